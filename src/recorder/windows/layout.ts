// Where the emulated Windows puts things in the guest address space. Fixed addresses keep runs deterministic
// (no ASLR); they avoid the program image (Go links at 0x140000000) and Go's arena hints (0x00c0_0000_0000 up).

export const PAGE_SIZE = 0x1000n;
/** VirtualAlloc rounds reservation bases to this (SYSTEM_INFO.dwAllocationGranularity). */
export const ALLOCATION_GRANULARITY = 0x10000n;

export const LAYOUT = {
  /** Lowest address VirtualAlloc hands out without a hint, growing upwards. */
  allocBottom: 0x0000_0002_0000_0000n,
  allocTop: 0x0000_7ff0_0000_0000n,
  /** Emulated system DLLs: one stub page per DLL, whose base doubles as the module handle. */
  dllBase: 0x0000_7ffa_0000_0000n,
  dllStride: 0x0000_0000_0010_0000n,
  /** Process data the emulated Windows owns: PEB, process parameters, environment, command line. */
  processData: 0x0000_7ff9_0000_0000n,
  processDataSize: 0x10000n,
  /** TEBs, two pages each, one allocation-granularity apart. */
  tebBase: 0x0000_7ff8_0000_0000n,
  tebStride: 0x10000n, // reservations are 64 KiB-aligned
  tebSize: 0x2000n,
  kuserSharedData: 0x7ffe_0000n,
  /**
   * Bytes the process may commit (Windows' commit limit: RAM plus page file; 16 GiB here). Beyond it VirtualAlloc
   * fails with ERROR_COMMITMENT_LIMIT, as on a machine out of commit; it also bounds the host blocks and Unicorn
   * regions behind guest memory (16 MiB each, a few thousand at most).
   */
  commitLimit: 0x4_0000_0000n,
  minimumApplicationAddress: 0x10000n,
  maximumApplicationAddress: 0x0000_7fff_fffe_ffffn,
} as const;

export function alignUp(v: bigint, a: bigint): bigint {
  return (v + a - 1n) & ~(a - 1n);
}

export function alignDown(v: bigint, a: bigint): bigint {
  return v & ~(a - 1n);
}

export function hex(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}
