// fileapi.h. The guest sees no host file: only the console streams, NUL, and what the user mounts read-only with
// --mount (sandbox.ts). Everything else looks absent to the guest and is reported as a sandbox refusal.

import { DWORD_FAILED, ERROR_NOACCESS, winapi, type ApiCall } from '../../api.ts';
import { GuestMemory } from '../../guest-memory.ts';
import { FileObject, FileSearch, MountedFile } from '../../objects.ts';
import { type DirEntry, MAX_HOST_FILE, Sandbox } from '../../sandbox.ts';
import { ERROR_INVALID_HANDLE } from '../wait.ts';
import { attributesOf, VOLUME_SERIAL, writeAttributeData, writeFindData, writeHandleInformation } from './file-info.ts';

const INVALID_HANDLE_VALUE = 0xffff_ffff_ffff_ffffn;
const INVALID_FILE_ATTRIBUTES = 0xffff_ffffn;
const ERROR_FILE_NOT_FOUND = 2;
const ERROR_PATH_NOT_FOUND = 3;
const ERROR_ACCESS_DENIED = 5;
const ERROR_NO_MORE_FILES = 18;
const ERROR_INVALID_NAME = 123;
const ERROR_NEGATIVE_SEEK = 131;
const ERROR_FILE_TOO_LARGE = 223;
const ERROR_BAD_LENGTH = 24;
/**
 * The one volume mounts live on, as GetVolumeInformationByHandleW describes it: read-only (FILE_READ_ONLY_VOLUME
 * 0x80000), names case-preserved (0x2) and Unicode (0x4), no object ids (0x10000) or open-by-id (0x1000000).
 */
const VOLUME = { name: 'wintrace', fileSystem: 'NTFS', serial: VOLUME_SERIAL, flags: 0x80000 | 0x2 | 0x4 } as const;
export const FILE_TYPE = { UNKNOWN: 0n, DISK: 1n, CHAR: 2n, PIPE: 3n } as const;
/** Access rights and dispositions that would change a file: refused, mounts are read-only. */
const WRITE_ACCESS = 0x4000_0000n | 0x1000_0000n | 0x2n | 0x4n | 0x10000n; // GENERIC_WRITE, GENERIC_ALL, FILE_WRITE_DATA, FILE_APPEND_DATA, DELETE
const CREATE_NEW = 1n;
const CREATE_ALWAYS = 2n;
const OPEN_ALWAYS = 4n;
const TRUNCATE_EXISTING = 5n;
const FILE_FLAG_BACKUP_SEMANTICS = 0x0200_0000n;
/**
 * What a link out of a mount answers to every API, whatever lies at its target: ERROR_ACCESS_DENIED, as Windows
 * answers for an entry its directory lists but whose security keeps the caller out. "Not found" would contradict
 * the listing, which shows the name (the mount's own data); the same answer for every target reveals none.
 */
const DENIED_ERROR = ERROR_ACCESS_DENIED;

/**
 * A path no file system can hold: a component longer than 255 characters. Windows refuses the name itself before
 * looking anything up, so this is not an attempt on any file; Go's runtime probes long-path support this way at
 * every start (initLongPathSupport) and only checks that the error is not ERROR_PATH_NOT_FOUND.
 */
function invalidName(c: ApiCall, path: string): boolean {
  if (!path.split(/[\\/]/).some((part) => part.length > 255)) return false;
  c.setLastError(ERROR_INVALID_NAME);
  return true;
}

/** The same small number for the same file on every run (os.SameFile compares it). */
export function fileIndex(path: string): number {
  let h = 0x811c9dc5;
  for (const ch of path.toLowerCase()) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

function open(c: ApiCall, api: string, path: string, access: bigint, disposition: bigint, flags: bigint): bigint {
  const p = path.replace(/\//g, '\\');
  if (/^(\\\\\.\\)?NUL$/i.test(p)) return c.process.handles.add(new FileObject('null', 'NUL'));
  if (/^CONOUT\$$/i.test(p)) return c.process.handles.add(new FileObject('stdout', 'CONOUT$'));
  if (/^CONIN\$$/i.test(p)) return c.process.handles.add(new FileObject('stdin', 'CONIN$'));
  if (invalidName(c, path)) return INVALID_HANDLE_VALUE;
  const sb = c.process.sandbox;
  const r = sb.resolve(path);
  const refuse = (reason: string, error: number): bigint => {
    sb.deny(api, path, reason);
    c.setLastError(error);
    return INVALID_HANDLE_VALUE;
  };
  if (r.kind === 'refused') return refuse(r.reason, ERROR_FILE_NOT_FOUND);
  if (r.kind === 'denied') return refuse(r.reason, DENIED_ERROR);
  const writes = (access & WRITE_ACCESS) !== 0n || disposition === CREATE_NEW || disposition === CREATE_ALWAYS || disposition === TRUNCATE_EXISTING;
  if (writes || (r.kind === 'missing' && disposition === OPEN_ALWAYS)) return refuse('mounts are read-only', ERROR_ACCESS_DENIED);
  if (r.kind === 'missing') {
    c.setLastError(ERROR_FILE_NOT_FOUND);
    return INVALID_HANDLE_VALUE;
  }
  if (r.isDirectory) {
    // As on Windows: a directory opens only with FILE_FLAG_BACKUP_SEMANTICS.
    if ((flags & FILE_FLAG_BACKUP_SEMANTICS) === 0n) {
      c.setLastError(ERROR_ACCESS_DENIED);
      return INVALID_HANDLE_VALUE;
    }
    return c.process.handles.add(new MountedFile(path, new Uint8Array(0), true));
  }
  const data = Sandbox.read(r.host, r.size);
  if (data === undefined) return refuse(`larger than ${MAX_HOST_FILE} bytes`, ERROR_FILE_TOO_LARGE);
  return c.process.handles.add(new MountedFile(path, data, false));
}

function write(c: ApiCall, h: bigint, buf: bigint, n: bigint, writtenOut: bigint): boolean {
  const f = objectOf(c, h, FileObject);
  if (f === undefined) return false;
  if (f.role === 'stdin' || f.role === 'disk') {
    c.setLastError(ERROR_ACCESS_DENIED);
    return false;
  }
  const bytes = n > 0n ? c.mem.bytes(buf, Number(n)) : new Uint8Array(0);
  if (f.role === 'stdout') c.process.options.stdout(bytes);
  else if (f.role === 'stderr') c.process.options.stderr(bytes);
  if (f.role !== 'null') c.process.outputBytes += bytes.length;
  if (writtenOut !== 0n) c.mem.setU32(writtenOut, bytes.length);
  return true;
}

export { write as writeFileObject };

function read(c: ApiCall, h: bigint, buf: bigint, n: number, readOut: bigint): boolean {
  const f = objectOf(c, h, FileObject);
  if (f === undefined) return false;
  let chunk: Uint8Array = new Uint8Array(0); // stdin is empty: end of file
  if (f instanceof MountedFile) {
    if (f.isDirectory) {
      c.setLastError(ERROR_ACCESS_DENIED);
      return false;
    }
    chunk = f.data.subarray(f.position, Math.min(f.data.length, f.position + n));
    f.position += chunk.length;
  }
  if (chunk.length > 0) c.mem.write(buf, chunk);
  if (readOut !== 0n) c.mem.setU32(readOut, chunk.length);
  return true;
}

/** The object behind a handle when it is of the kind the API needs; else ERROR_INVALID_HANDLE. */
export function objectOf<T>(c: ApiCall, handle: bigint, kind: abstract new (...args: never[]) => T): T | undefined {
  const o = c.process.object(handle);
  if (o instanceof kind) return o;
  c.setLastError(ERROR_INVALID_HANDLE);
  return undefined;
}

/** Facts about a path for the attribute queries; undefined (with the error set) when the guest may not see it. */
function lookup(c: ApiCall, api: string, path: string): { isDirectory: boolean; size: number } | undefined {
  if (invalidName(c, path)) return undefined;
  const r = c.process.sandbox.resolve(path);
  if (r.kind === 'host') return r;
  if (r.kind === 'refused' || r.kind === 'denied') c.process.sandbox.deny(api, path, r.reason);
  c.setLastError(r.kind === 'denied' ? DENIED_ERROR : ERROR_FILE_NOT_FOUND);
  return undefined;
}

/** `*` and `?` as FindFirstFileW matches them, case-insensitively; `*.*` matches names without a dot too. */
function globToRegExp(glob: string): RegExp {
  if (glob === '*.*') return /^/;
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function findFirst(c: ApiCall, pattern: string, out: bigint): bigint {
  if (invalidName(c, pattern)) return INVALID_HANDLE_VALUE;
  const p = pattern.replace(/\//g, '\\');
  const cut = p.lastIndexOf('\\');
  const dir = cut < 0 ? '.' : p.slice(0, cut) || '\\';
  const mask = p.slice(cut + 1);
  const r = c.process.sandbox.resolve(dir);
  if (r.kind !== 'host' || !r.isDirectory) {
    if (r.kind === 'refused' || r.kind === 'denied') c.process.sandbox.deny('FindFirstFileW', pattern, r.reason);
    c.setLastError(r.kind === 'denied' ? DENIED_ERROR : ERROR_PATH_NOT_FOUND);
    return INVALID_HANDLE_VALUE;
  }
  const re = globToRegExp(mask);
  const entries: DirEntry[] = Sandbox.list(r).filter((e) => re.test(e.name));
  if (entries.length === 0) {
    c.setLastError(ERROR_FILE_NOT_FOUND);
    return INVALID_HANDLE_VALUE;
  }
  const search = new FileSearch(entries);
  writeFindData(c.mem, out, entries[search.next++]!);
  return c.process.handles.add(search);
}

/**
 * GetTempPathW's directory, as Microsoft documents the search: TMP, TEMP, USERPROFILE, then the Windows
 * directory, with a trailing backslash. The environment is the guest's own (SetEnvironmentVariableW counts).
 */
function tempPath(c: ApiCall, nBufferLength: bigint, buffer: bigint): bigint {
  const env = c.process.environment;
  const lookup = (name: string) => Object.entries(env).find(([k]) => k.toUpperCase() === name)?.[1];
  let dir = lookup('TMP') || lookup('TEMP') || lookup('USERPROFILE') || lookup('WINDIR') || 'C:\\Windows';
  if (!dir.endsWith('\\')) dir += '\\';
  // Too small: the size needed including the terminating null, and nothing written.
  if (BigInt(dir.length + 1) > (nBufferLength & 0xffffffffn)) return BigInt(dir.length + 1);
  c.mem.write(buffer, GuestMemory.utf16z(dir));
  return BigInt(dir.length);
}

export const fileapi = [
  // DWORD GetTempPathW(DWORD nBufferLength, LPWSTR lpBuffer);
  winapi('kernel32.dll', 'DWORD GetTempPathW(DWORD nBufferLength, LPWSTR lpBuffer)', (c) => tempPath(c, c.args[0]!, c.args[1]!)),
  // DWORD GetTempPath2W(DWORD BufferLength, LPWSTR Buffer);
  // Differs from GetTempPathW only for SYSTEM processes (C:\Windows\SystemTemp); this process is a user's.
  winapi('kernel32.dll', 'DWORD GetTempPath2W(DWORD BufferLength, LPWSTR Buffer)', (c) => tempPath(c, c.args[0]!, c.args[1]!)),

  // HANDLE CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
  //   LPSECURITY_ATTRIBUTES lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
  //   HANDLE hTemplateFile);
  winapi('kernel32.dll', 'HANDLE CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode, LPSECURITY_ATTRIBUTES lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes, HANDLE hTemplateFile)', (c) =>
    open(c, 'CreateFileA', c.mem.cString(c.args[0]!), c.args[1]! & 0xffffffffn, c.args[4]! & 0xffffffffn, c.args[5]! & 0xffffffffn), { onBadPointer: { value: INVALID_HANDLE_VALUE, lastError: ERROR_NOACCESS } }),
  // HANDLE CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
  //   LPSECURITY_ATTRIBUTES lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
  //   HANDLE hTemplateFile);
  winapi('kernel32.dll', 'HANDLE CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode, LPSECURITY_ATTRIBUTES lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes, HANDLE hTemplateFile)', (c) =>
    open(c, 'CreateFileW', c.mem.wString(c.args[0]!), c.args[1]! & 0xffffffffn, c.args[4]! & 0xffffffffn, c.args[5]! & 0xffffffffn), { onBadPointer: { value: INVALID_HANDLE_VALUE, lastError: ERROR_NOACCESS } }),

  // BOOL WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite, LPDWORD lpNumberOfBytesWritten,
  //   LPOVERLAPPED lpOverlapped);
  winapi('kernel32.dll', 'BOOL WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite, LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped)', (c) =>
    write(c, c.args[0]!, c.args[1]!, c.args[2]! & 0xffffffffn, c.args[3]!)),

  // BOOL ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead, LPDWORD lpNumberOfBytesRead,
  //   LPOVERLAPPED lpOverlapped);
  winapi('kernel32.dll', 'BOOL ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead, LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped)', (c) =>
    read(c, c.args[0]!, c.args[1]!, Number(c.args[2]! & 0xffffffffn), c.args[3]!)),

  // DWORD GetFileType(HANDLE hFile);
  winapi('kernel32.dll', 'DWORD GetFileType(HANDLE hFile)', (c) => {
    const f = objectOf(c, c.args[0]!, FileObject);
    if (f === undefined) return FILE_TYPE.UNKNOWN;
    return f.role === 'disk' ? FILE_TYPE.DISK : FILE_TYPE.CHAR;
  }),

  // BOOL FlushFileBuffers(HANDLE hFile);
  winapi('kernel32.dll', 'BOOL FlushFileBuffers(HANDLE hFile)', () => true),

  // DWORD GetFileAttributesW(LPCWSTR lpFileName);
  winapi('kernel32.dll', 'DWORD GetFileAttributesW(LPCWSTR lpFileName)', (c) => {
    const f = lookup(c, 'GetFileAttributesW', c.mem.wString(c.args[0]!));
    return f === undefined ? INVALID_FILE_ATTRIBUTES : BigInt(attributesOf(f));
  }, { onBadPointer: { value: DWORD_FAILED, lastError: ERROR_NOACCESS } }),

  // BOOL GetFileAttributesExW(LPCWSTR lpFileName, GET_FILEEX_INFO_LEVELS fInfoLevelId, LPVOID lpFileInformation);
  winapi('kernel32.dll', 'BOOL GetFileAttributesExW(LPCWSTR lpFileName, GET_FILEEX_INFO_LEVELS fInfoLevelId, LPVOID lpFileInformation)', (c) => {
    const f = lookup(c, 'GetFileAttributesExW', c.mem.wString(c.args[0]!));
    if (f === undefined) return false;
    writeAttributeData(c.mem, c.args[2]!, f);
    return true;
  }),

  // BOOL GetFileInformationByHandle(HANDLE hFile, LPBY_HANDLE_FILE_INFORMATION lpFileInformation);
  winapi('kernel32.dll', 'BOOL GetFileInformationByHandle(HANDLE hFile, LPBY_HANDLE_FILE_INFORMATION lpFileInformation)', (c) => {
    const f = objectOf(c, c.args[0]!, MountedFile);
    if (f === undefined) return false;
    writeHandleInformation(c.mem, c.args[1]!, { isDirectory: f.isDirectory, size: f.data.length }, fileIndex(f.path));
    return true;
  }),

  // BOOL GetVolumeInformationByHandleW(HANDLE hFile, LPWSTR lpVolumeNameBuffer, DWORD nVolumeNameSize,
  //   LPDWORD lpVolumeSerialNumber, LPDWORD lpMaximumComponentLength, LPDWORD lpFileSystemFlags,
  //   LPWSTR lpFileSystemNameBuffer, DWORD nFileSystemNameSize);
  // Go 1.22+ asks before reading a directory (os.ReadDir): the volume serial for os.SameFile, and whether the file
  // system has object ids (it does not here, so Go reads entries with FileFullDirectoryInfo and nothing else).
  winapi('kernel32.dll', 'BOOL GetVolumeInformationByHandleW(HANDLE hFile, LPWSTR lpVolumeNameBuffer, DWORD nVolumeNameSize, LPDWORD lpVolumeSerialNumber, LPDWORD lpMaximumComponentLength, LPDWORD lpFileSystemFlags, LPWSTR lpFileSystemNameBuffer, DWORD nFileSystemNameSize)', (c) => {
    const [h, volName, volNameSize, serialOut, maxComponentOut, flagsOut, fsName, fsNameSize] = c.args as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    if (objectOf(c, h, MountedFile) === undefined) return false;
    const strings: Array<[bigint, bigint, string]> = [[volName, volNameSize, VOLUME.name], [fsName, fsNameSize, VOLUME.fileSystem]];
    for (const [buffer, chars, text] of strings) {
      if (buffer === 0n) continue;
      if (BigInt(text.length + 1) > (chars & 0xffffffffn)) {
        c.setLastError(ERROR_BAD_LENGTH);
        return false;
      }
      c.mem.write(buffer, GuestMemory.utf16z(text));
    }
    if (serialOut !== 0n) c.mem.setU32(serialOut, VOLUME.serial);
    if (maxComponentOut !== 0n) c.mem.setU32(maxComponentOut, 255);
    if (flagsOut !== 0n) c.mem.setU32(flagsOut, VOLUME.flags);
    return true;
  }, { onBadPointer: { value: 0n, lastError: ERROR_NOACCESS } }),

  // BOOL GetFileSizeEx(HANDLE hFile, PLARGE_INTEGER lpFileSize);
  winapi('kernel32.dll', 'BOOL GetFileSizeEx(HANDLE hFile, PLARGE_INTEGER lpFileSize)', (c) => {
    const f = objectOf(c, c.args[0]!, MountedFile);
    if (f === undefined) return false;
    c.mem.setU64(c.args[1]!, BigInt(f.data.length));
    return true;
  }),

  // BOOL SetFilePointerEx(HANDLE hFile, LARGE_INTEGER liDistanceToMove, PLARGE_INTEGER lpNewFilePointer,
  //   DWORD dwMoveMethod);
  winapi('kernel32.dll', 'BOOL SetFilePointerEx(HANDLE hFile, LARGE_INTEGER liDistanceToMove, PLARGE_INTEGER lpNewFilePointer, DWORD dwMoveMethod)', (c) => {
    const f = objectOf(c, c.args[0]!, MountedFile);
    if (f === undefined) return false;
    const from = [0, f.position, f.data.length][Number(c.args[3]! & 0xffffffffn)];
    const to = from === undefined ? -1 : from + Number(BigInt.asIntN(64, c.args[1]!));
    if (to < 0) {
      c.setLastError(from === undefined ? 87 : ERROR_NEGATIVE_SEEK); // ERROR_INVALID_PARAMETER for a bad method
      return false;
    }
    f.position = to;
    if (c.args[2]! !== 0n) c.mem.setU64(c.args[2]!, BigInt(to));
    return true;
  }),

  // HANDLE FindFirstFileW(LPCWSTR lpFileName, LPWIN32_FIND_DATAW lpFindFileData);
  winapi('kernel32.dll', 'HANDLE FindFirstFileW(LPCWSTR lpFileName, LPWIN32_FIND_DATAW lpFindFileData)', (c) =>
    findFirst(c, c.mem.wString(c.args[0]!), c.args[1]!), { onBadPointer: { value: INVALID_HANDLE_VALUE, lastError: ERROR_NOACCESS } }),

  // BOOL FindNextFileW(HANDLE hFindFile, LPWIN32_FIND_DATAW lpFindFileData);
  winapi('kernel32.dll', 'BOOL FindNextFileW(HANDLE hFindFile, LPWIN32_FIND_DATAW lpFindFileData)', (c) => {
    const s = objectOf(c, c.args[0]!, FileSearch);
    if (s === undefined) return false;
    const e = s.entries[s.next];
    if (e === undefined) {
      c.setLastError(ERROR_NO_MORE_FILES);
      return false;
    }
    s.next++;
    writeFindData(c.mem, c.args[1]!, e);
    return true;
  }),

  // BOOL FindClose(HANDLE hFindFile);
  winapi('kernel32.dll', 'BOOL FindClose(HANDLE hFindFile)', (c) => {
    if (c.process.object(c.args[0]!) instanceof FileSearch && c.process.handles.close(c.args[0]!)) return true;
    c.setLastError(ERROR_INVALID_HANDLE);
    return false;
  }),
];
