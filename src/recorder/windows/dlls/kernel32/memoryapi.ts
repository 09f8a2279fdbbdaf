// memoryapi.h

import { winapi, type ApiCall } from '../../api.ts';
import { MEMORY_BASIC_INFORMATION } from '../../structs.ts';
import { MEM, VirtualMemoryError } from '../../virtual-memory.ts';

const MBI = MEMORY_BASIC_INFORMATION.fields;

/** Runs a VirtualMemory operation; its refusals become the Win32 error and the API's failure value. */
function vmCall<T>(c: ApiCall, failure: T, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (!(e instanceof VirtualMemoryError)) throw e;
    c.setLastError(e.win32Error);
    return failure;
  }
}

export const memoryapi = [
  // LPVOID VirtualAlloc(LPVOID lpAddress, SIZE_T dwSize, DWORD flAllocationType, DWORD flProtect);
  winapi('kernel32.dll', 'LPVOID VirtualAlloc(LPVOID lpAddress, SIZE_T dwSize, DWORD flAllocationType, DWORD flProtect)', (c) => {
    const [address, size, type, protect] = c.args as [bigint, bigint, bigint, bigint];
    const vm = c.process.vm;
    return vmCall(c, 0n, () => {
      // Reserving (explicitly, or implicitly by committing at NULL) returns the 64 KiB-aligned base; committing
      // inside a reservation returns the address rounded down to its page.
      const reserving = (type & BigInt(MEM.RESERVE)) !== 0n || address === 0n;
      const result = reserving ? vm.reserve(address, size, Number(protect)).base : address & ~0xfffn;
      if (type & BigInt(MEM.COMMIT)) {
        try {
          vm.commit(address === 0n ? result : address, size, Number(protect));
        } catch (e) {
          if (reserving) vm.release(result); // one call: a failed commit leaves no reservation behind
          throw e;
        }
      }
      return result;
    });
  }),

  // BOOL VirtualFree(LPVOID lpAddress, SIZE_T dwSize, DWORD dwFreeType);
  winapi('kernel32.dll', 'BOOL VirtualFree(LPVOID lpAddress, SIZE_T dwSize, DWORD dwFreeType)', (c) => {
    const [address, size, type] = c.args as [bigint, bigint, bigint];
    return vmCall(c, false, () => {
      if (type & BigInt(MEM.RELEASE)) {
        if (size !== 0n) {
          c.setLastError(87);
          return false;
        }
        c.process.vm.release(address);
      } else if (type & BigInt(MEM.DECOMMIT)) {
        c.process.vm.decommit(address, size);
      } else {
        c.setLastError(87);
        return false;
      }
      return true;
    });
  }),

  // BOOL VirtualProtect(LPVOID lpAddress, SIZE_T dwSize, DWORD flNewProtect, PDWORD lpflOldProtect);
  winapi('kernel32.dll', 'BOOL VirtualProtect(LPVOID lpAddress, SIZE_T dwSize, DWORD flNewProtect, PDWORD lpflOldProtect)', (c) => {
    const [address, size, protect, oldOut] = c.args as [bigint, bigint, bigint, bigint];
    return vmCall(c, false, () => {
      const old = c.process.vm.protect(address, size, Number(protect));
      if (oldOut !== 0n) c.mem.setU32(oldOut, old);
      return true;
    });
  }),

  // SIZE_T VirtualQuery(LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION lpBuffer, SIZE_T dwLength);
  winapi('kernel32.dll', 'SIZE_T VirtualQuery(LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION lpBuffer, SIZE_T dwLength)', (c) => {
    const [address, buffer, length] = c.args as [bigint, bigint, bigint];
    if (length < BigInt(MEMORY_BASIC_INFORMATION.size)) {
      c.setLastError(24); // ERROR_BAD_LENGTH
      return 0n;
    }
    const q = c.process.vm.query(address);
    const b = new Uint8Array(MEMORY_BASIC_INFORMATION.size);
    const v = new DataView(b.buffer);
    v.setBigUint64(MBI.BaseAddress[0], q.baseAddress, true);
    v.setBigUint64(MBI.AllocationBase[0], q.allocationBase, true);
    v.setUint32(MBI.AllocationProtect[0], q.allocationProtect, true);
    v.setBigUint64(MBI.RegionSize[0], q.regionSize, true);
    v.setUint32(MBI.State[0], q.state, true);
    v.setUint32(MBI.Protect[0], q.protect, true);
    v.setUint32(MBI.Type[0], q.type, true);
    c.mem.write(buffer, b);
    return BigInt(MEMORY_BASIC_INFORMATION.size);
  }),
];
