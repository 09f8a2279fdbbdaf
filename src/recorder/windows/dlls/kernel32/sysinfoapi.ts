// sysinfoapi.h

import { winapi, type ApiCall } from '../../api.ts';
import { GuestMemory } from '../../guest-memory.ts';
import { LAYOUT } from '../../layout.ts';
import { SYSTEM_INFO } from '../../structs.ts';

const PROCESSOR_ARCHITECTURE_ARM64 = 12;
const SYSTEM_DIRECTORY = 'C:\\Windows\\system32';

function writeSystemInfo(c: ApiCall): bigint {
    const b = new Uint8Array(SYSTEM_INFO.size);
    const v = new DataView(b.buffer);
    const f = SYSTEM_INFO.fields;
    const n = c.process.processorCount;
    v.setUint16(f.wProcessorArchitecture[0], PROCESSOR_ARCHITECTURE_ARM64, true);
    v.setUint32(f.dwPageSize[0], 0x1000, true);
    v.setBigUint64(f.lpMinimumApplicationAddress[0], LAYOUT.minimumApplicationAddress, true);
    v.setBigUint64(f.lpMaximumApplicationAddress[0], LAYOUT.maximumApplicationAddress, true);
    v.setBigUint64(f.dwActiveProcessorMask[0], (1n << BigInt(n)) - 1n, true);
    v.setUint32(f.dwNumberOfProcessors[0], n, true);
    v.setUint32(f.dwAllocationGranularity[0], 0x10000, true);
    c.mem.write(c.args[0]!, b);
    return 0n;
}

export const sysinfoapi = [
  // void GetSystemInfo(LPSYSTEM_INFO lpSystemInfo);
  winapi('kernel32.dll', 'void GetSystemInfo(LPSYSTEM_INFO lpSystemInfo)', writeSystemInfo),
  // void GetNativeSystemInfo(LPSYSTEM_INFO lpSystemInfo);
  winapi('kernel32.dll', 'void GetNativeSystemInfo(LPSYSTEM_INFO lpSystemInfo)', writeSystemInfo),

  // UINT GetSystemDirectoryA(LPSTR lpBuffer, UINT uSize);
  winapi('kernel32.dll', 'UINT GetSystemDirectoryA(LPSTR lpBuffer, UINT uSize)', (c) => {
    const size = Number(c.args[1]! & 0xffffffffn);
    if (size < SYSTEM_DIRECTORY.length + 1) return BigInt(SYSTEM_DIRECTORY.length + 1);
    c.mem.write(c.args[0]!, GuestMemory.cz(SYSTEM_DIRECTORY));
    return BigInt(SYSTEM_DIRECTORY.length);
  }),

  // UINT GetSystemDirectoryW(LPWSTR lpBuffer, UINT uSize);
  winapi('kernel32.dll', 'UINT GetSystemDirectoryW(LPWSTR lpBuffer, UINT uSize)', (c) => {
    const size = Number(c.args[1]! & 0xffffffffn);
    if (size < SYSTEM_DIRECTORY.length + 1) return BigInt(SYSTEM_DIRECTORY.length + 1);
    c.mem.write(c.args[0]!, GuestMemory.utf16z(SYSTEM_DIRECTORY));
    return BigInt(SYSTEM_DIRECTORY.length);
  }),

  // void GetSystemTimeAsFileTime(LPFILETIME lpSystemTimeAsFileTime);
  winapi('kernel32.dll', 'void GetSystemTimeAsFileTime(LPFILETIME lpSystemTimeAsFileTime)', (c) => {
    c.mem.setU64(c.args[0]!, c.process.clock.systemTime());
    return 0n;
  }),

  // void GetSystemTimePreciseAsFileTime(LPFILETIME lpSystemTimeAsFileTime);
  winapi('kernel32.dll', 'void GetSystemTimePreciseAsFileTime(LPFILETIME lpSystemTimeAsFileTime)', (c) => {
    c.mem.setU64(c.args[0]!, c.process.clock.systemTime());
    return 0n;
  }),

  // ULONGLONG GetTickCount64(void);
  winapi('kernel32.dll', 'ULONGLONG GetTickCount64(void)', (c) => c.process.clock.now() / 1_000_000n),
];
