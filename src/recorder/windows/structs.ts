// Windows structures as data: field → [offset, size in bytes]. Offsets are for 64-bit ARM64 Windows and come
// from ../shared/design/windows-arm64.md (Go's runtime/defs_windows_arm64.go agrees for CONTEXT); every other
// part of wintrace reads and writes these through the tables, never through literal offsets.

export type Field = readonly [offset: number, size: 1 | 2 | 4 | 8 | 16];

export interface StructDef<F extends string> {
  readonly name: string;
  readonly size: number;
  readonly fields: Readonly<Record<F, Field>>;
}

function struct<F extends string>(name: string, size: number, fields: Record<F, Field>): StructDef<F> {
  return Object.freeze({ name, size, fields: Object.freeze(fields) });
}

/** ARM64 CONTEXT (winnt.h), 16-byte aligned. X[n] at 8 + 8n, V[n] at 0x110 + 16n. */
export const CONTEXT = struct('CONTEXT', 0x390, {
  ContextFlags: [0x0, 4],
  Cpsr: [0x4, 4],
  X0: [0x8, 8],
  Fp: [0xf0, 8],
  Lr: [0xf8, 8],
  Sp: [0x100, 8],
  Pc: [0x108, 8],
  V0: [0x110, 16],
  Fpcr: [0x310, 4],
  Fpsr: [0x314, 4],
  Bcr: [0x318, 4],
  Bvr: [0x338, 8],
  Wcr: [0x378, 4],
  Wvr: [0x380, 8],
});
export const CONTEXT_X = (n: number): number => 0x8 + 8 * n; // X0..X28
export const CONTEXT_V = (n: number): number => 0x110 + 16 * n;

export const CONTEXT_FLAGS = {
  ARM64: 0x400000,
  CONTROL: 0x400001,
  INTEGER: 0x400002,
  FLOATING_POINT: 0x400004,
  DEBUG: 0x400008,
  FULL: 0x400007,
  ALL: 0x40000f,
} as const;

export const EXCEPTION_RECORD = struct('EXCEPTION_RECORD', 0x98, {
  ExceptionCode: [0x0, 4],
  ExceptionFlags: [0x4, 4],
  ExceptionRecord: [0x8, 8],
  ExceptionAddress: [0x10, 8],
  NumberParameters: [0x18, 4],
  ExceptionInformation: [0x20, 8], // [15]
});

export const EXCEPTION_POINTERS = struct('EXCEPTION_POINTERS', 0x10, {
  ExceptionRecord: [0x0, 8],
  ContextRecord: [0x8, 8],
});

/** The parts of the TEB that Windows code and the Go runtime read (winternl.h / ntpsapi). */
export const TEB = struct('TEB', 0x1838, {
  ExceptionList: [0x0, 8],
  StackBase: [0x8, 8],
  StackLimit: [0x10, 8],
  ArbitraryUserPointer: [0x28, 8],
  Self: [0x30, 8],
  ClientIdProcess: [0x40, 8],
  ClientIdThread: [0x48, 8],
  ThreadLocalStoragePointer: [0x58, 8],
  ProcessEnvironmentBlock: [0x60, 8],
  LastErrorValue: [0x68, 4],
  DeallocationStack: [0x1478, 8],
  TlsSlots: [0x1480, 8], // [64]
  TlsExpansionSlots: [0x1780, 8],
});

export const PEB = struct('PEB', 0x7c8, {
  InheritedAddressSpace: [0x0, 1],
  BeingDebugged: [0x2, 1],
  BitField: [0x3, 1],
  ImageBaseAddress: [0x10, 8],
  Ldr: [0x18, 8],
  ProcessParameters: [0x20, 8],
  ProcessHeap: [0x30, 8],
  NumberOfProcessors: [0xb8, 4],
  OSMajorVersion: [0x118, 4],
  OSMinorVersion: [0x11c, 4],
  OSBuildNumber: [0x120, 2],
});

/** KUSER_SHARED_DATA at 0x7ffe0000: KSYSTEM_TIME is {LowPart u32, High1Time i32, High2Time i32}. */
export const KUSER_SHARED_DATA = struct('KUSER_SHARED_DATA', 0x1000, {
  TickCountMultiplier: [0x4, 4],
  InterruptTime: [0x8, 4],
  SystemTime: [0x14, 4],
  TimeZoneBias: [0x20, 4],
  NtMajorVersion: [0x26c, 4],
  NtMinorVersion: [0x270, 4],
  ActiveProcessorCount: [0x3c0, 4],
  NtBuildNumber: [0x260, 4],
});

export const MEMORY_BASIC_INFORMATION = struct('MEMORY_BASIC_INFORMATION', 48, {
  BaseAddress: [0, 8],
  AllocationBase: [8, 8],
  AllocationProtect: [16, 4],
  PartitionId: [20, 2],
  RegionSize: [24, 8],
  State: [32, 4],
  Protect: [36, 4],
  Type: [40, 4],
});

export const SYSTEM_INFO = struct('SYSTEM_INFO', 48, {
  wProcessorArchitecture: [0, 2],
  dwPageSize: [4, 4],
  lpMinimumApplicationAddress: [8, 8],
  lpMaximumApplicationAddress: [16, 8],
  dwActiveProcessorMask: [24, 8],
  dwNumberOfProcessors: [32, 4],
  dwProcessorType: [36, 4],
  dwAllocationGranularity: [40, 4],
  wProcessorLevel: [44, 2],
  wProcessorRevision: [46, 2],
});

/** OVERLAPPED_ENTRY as GetQueuedCompletionStatusEx fills it. */
export const OVERLAPPED_ENTRY = struct('OVERLAPPED_ENTRY', 32, {
  lpCompletionKey: [0, 8],
  lpOverlapped: [8, 8],
  Internal: [16, 8],
  dwNumberOfBytesTransferred: [24, 4],
});

export const STARTUPINFOW = struct('STARTUPINFOW', 104, {
  cb: [0, 4],
  dwFlags: [60, 4],
  wShowWindow: [64, 2],
  hStdInput: [80, 8],
  hStdOutput: [88, 8],
  hStdError: [96, 8],
});

export const FILETIME_SIZE = 8;

/** Attributes, the three FILETIMEs (two DWORDs each, so 4-byte aligned) and the size, at the head of
 *  WIN32_FILE_ATTRIBUTE_DATA and WIN32_FIND_DATAW alike. */
const FILE_ATTRIBUTE_HEAD = {
  dwFileAttributes: [0, 4],
  ftCreationTime: [4, 8],
  ftLastAccessTime: [12, 8],
  ftLastWriteTime: [20, 8],
  nFileSizeHigh: [28, 4],
  nFileSizeLow: [32, 4],
} as const satisfies Record<string, Field>;

/** WIN32_FILE_ATTRIBUTE_DATA (fileapi.h), as GetFileAttributesExW(GetFileExInfoStandard) fills it. */
export const WIN32_FILE_ATTRIBUTE_DATA = struct('WIN32_FILE_ATTRIBUTE_DATA', 36, FILE_ATTRIBUTE_HEAD);

/** BY_HANDLE_FILE_INFORMATION (fileapi.h). */
export const BY_HANDLE_FILE_INFORMATION = struct('BY_HANDLE_FILE_INFORMATION', 52, {
  dwFileAttributes: [0, 4],
  ftCreationTime: [4, 8],
  ftLastAccessTime: [12, 8],
  ftLastWriteTime: [20, 8],
  dwVolumeSerialNumber: [28, 4],
  nFileSizeHigh: [32, 4],
  nFileSizeLow: [36, 4],
  nNumberOfLinks: [40, 4],
  nFileIndexHigh: [44, 4],
  nFileIndexLow: [48, 4],
});

/** WIN32_FIND_DATAW (minwinbase.h): cFileName is WCHAR[MAX_PATH], cAlternateFileName WCHAR[14]. */
export const WIN32_FIND_DATAW = struct('WIN32_FIND_DATAW', 592, {
  ...FILE_ATTRIBUTE_HEAD,
  dwReserved0: [36, 4],
  dwReserved1: [40, 4],
  cFileName: [44, 8], // 520 bytes; the size here is only the field's first unit
  cAlternateFileName: [564, 8],
});
export const MAX_PATH = 260;

/**
 * FILE_FULL_DIR_INFO (winbase.h): one directory entry as GetFileInformationByHandleEx(FileFullDirectoryInfo)
 * returns it; FileName (FileNameLength bytes, not terminated) follows at 68, and each entry starts 8-aligned.
 */
export const FILE_FULL_DIR_INFO = struct('FILE_FULL_DIR_INFO', 68, {
  NextEntryOffset: [0, 4],
  FileIndex: [4, 4],
  CreationTime: [8, 8],
  LastAccessTime: [16, 8],
  LastWriteTime: [24, 8],
  ChangeTime: [32, 8],
  EndOfFile: [40, 8],
  AllocationSize: [48, 8],
  FileAttributes: [56, 4],
  FileNameLength: [60, 4],
  EaSize: [64, 4],
});
