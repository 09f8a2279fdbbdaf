// Windows structures as data: field → [offset, size in bytes], for the structures only the emulated Windows
// fills (API output buffers). The ones a trace's views decode too (CONTEXT, EXCEPTION_RECORD, EXCEPTION_POINTERS,
// TEB, KUSER_SHARED_DATA) live in src/arch/windows-structs.ts and are re-exported here.

import { type Field, struct } from '../../arch/windows-structs.ts';

export {
  CONTEXT, CONTEXT_FLAGS, CONTEXT_V, CONTEXT_X, EXCEPTION_POINTERS, EXCEPTION_RECORD, type Field, KUSER_SHARED_DATA, type StructDef, TEB,
} from '../../arch/windows-structs.ts';

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

/** MODULEENTRY32W (tlhelp32.h): szModule is MAX_MODULE_NAME32 + 1 = 256 WCHARs, szExePath MAX_PATH. */
export const MODULEENTRY32W = struct('MODULEENTRY32W', 1080, {
  dwSize: [0, 4],
  th32ModuleID: [4, 4],
  th32ProcessID: [8, 4],
  GlblcntUsage: [12, 4],
  ProccntUsage: [16, 4],
  modBaseAddr: [24, 8],
  modBaseSize: [32, 4],
  hModule: [40, 8],
  szModule: [48, 2],
  szExePath: [560, 2],
}, { szModule: 256, szExePath: MAX_PATH });
