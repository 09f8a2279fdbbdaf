// wdm.h (ntdll.dll): RtlGetVersion, which Microsoft documents for kernel drivers and ntdll exports to user mode.
// Go 1.23+ asks it whether long paths can be enabled (10.0.15063 or later). The numbers are the ones the rest
// of the emulated Windows 11 reports: RtlGetNtVersionNumbers, the PEB and KUSER_SHARED_DATA.

import { winapi } from '../../api.ts';

export const OS_VERSION = { major: 10, minor: 0, build: 22631 } as const;

const STATUS_SUCCESS = 0n;
const STATUS_INVALID_PARAMETER = 0xc000000dn;
const VER_PLATFORM_WIN32_NT = 2;
const VER_NT_WORKSTATION = 1;
/** RTL_OSVERSIONINFOW: ULONG size, major, minor, build, platform; WCHAR szCSDVersion[128]. */
const OSVERSIONINFOW_SIZE = 276;
/** RTL_OSVERSIONINFOEXW adds USHORT wServicePackMajor, wServicePackMinor, wSuiteMask; UCHAR wProductType, wReserved. */
const OSVERSIONINFOEXW_SIZE = 284;

export const wdm = [
  // NTSTATUS RtlGetVersion(PRTL_OSVERSIONINFOW lpVersionInformation);
  winapi('ntdll.dll', 'NTSTATUS RtlGetVersion(PRTL_OSVERSIONINFOW lpVersionInformation)', (c) => {
    const at = c.args[0]!;
    const size = c.mem.u32(at);
    if (size !== OSVERSIONINFOW_SIZE && size !== OSVERSIONINFOEXW_SIZE) return STATUS_INVALID_PARAMETER;
    const b = new Uint8Array(size - 4);
    const v = new DataView(b.buffer);
    v.setUint32(0, OS_VERSION.major, true);
    v.setUint32(4, OS_VERSION.minor, true);
    v.setUint32(8, OS_VERSION.build, true);
    v.setUint32(12, VER_PLATFORM_WIN32_NT, true);
    // szCSDVersion stays empty: Windows 10 and 11 have no service packs. The EX fields (service pack 0.0, suite
    // mask 0x100 VER_SUITE_SINGLEUSERTS as a Home/Pro desktop reports it, workstation) follow at 0x110 from here.
    if (size === OSVERSIONINFOEXW_SIZE) {
      v.setUint16(0x110 + 4, 0x100, true);
      v.setUint8(0x110 + 6, VER_NT_WORKSTATION);
    }
    c.mem.write(at + 4n, b);
    return STATUS_SUCCESS;
  }),
];
