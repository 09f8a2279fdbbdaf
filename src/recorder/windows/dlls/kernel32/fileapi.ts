// fileapi.h. The guest has no host files: only the console streams and NUL exist (a sandbox, by design).

import { winapi, type ApiCall } from '../../api.ts';
import { FileObject } from '../../objects.ts';
import { ERROR_INVALID_HANDLE } from '../wait.ts';

const INVALID_HANDLE_VALUE = 0xffff_ffff_ffff_ffffn;
const ERROR_FILE_NOT_FOUND = 2;
const ERROR_ACCESS_DENIED = 5;
export const FILE_TYPE = { UNKNOWN: 0n, DISK: 1n, CHAR: 2n, PIPE: 3n } as const;

function open(c: ApiCall, path: string): bigint {
  const p = path.replace(/\//g, '\\');
  if (/^(\\\\\.\\)?NUL$/i.test(p)) return c.process.handles.add(new FileObject('null', 'NUL'));
  if (/^CONOUT\$$/i.test(p)) return c.process.handles.add(new FileObject('stdout', 'CONOUT$'));
  if (/^CONIN\$$/i.test(p)) return c.process.handles.add(new FileObject('stdin', 'CONIN$'));
  c.process.sandboxDenied(`open ${path}`);
  c.setLastError(ERROR_FILE_NOT_FOUND);
  return INVALID_HANDLE_VALUE;
}

function write(c: ApiCall, h: bigint, buf: bigint, n: bigint, writtenOut: bigint): boolean {
  const f = c.process.object(h);
  if (!(f instanceof FileObject)) {
    c.setLastError(ERROR_INVALID_HANDLE);
    return false;
  }
  if (f.role === 'stdin') {
    c.setLastError(ERROR_ACCESS_DENIED);
    return false;
  }
  const bytes = n > 0n ? c.mem.bytes(buf, Number(n)) : new Uint8Array(0);
  if (f.role === 'stdout') c.process.options.stdout(bytes);
  else if (f.role === 'stderr') c.process.options.stderr(bytes);
  if (writtenOut !== 0n) c.mem.setU32(writtenOut, bytes.length);
  return true;
}

export { write as writeFileObject };

export const fileapi = [
  // HANDLE CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
  //   LPSECURITY_ATTRIBUTES lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
  //   HANDLE hTemplateFile);
  winapi('kernel32.dll', 'HANDLE CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode, LPSECURITY_ATTRIBUTES lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes, HANDLE hTemplateFile)', (c) =>
    open(c, c.mem.cString(c.args[0]!))),
  // HANDLE CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
  //   LPSECURITY_ATTRIBUTES lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
  //   HANDLE hTemplateFile);
  winapi('kernel32.dll', 'HANDLE CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode, LPSECURITY_ATTRIBUTES lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes, HANDLE hTemplateFile)', (c) =>
    open(c, c.mem.wString(c.args[0]!))),

  // BOOL WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite, LPDWORD lpNumberOfBytesWritten,
  //   LPOVERLAPPED lpOverlapped);
  winapi('kernel32.dll', 'BOOL WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite, LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped)', (c) =>
    write(c, c.args[0]!, c.args[1]!, c.args[2]! & 0xffffffffn, c.args[3]!)),

  // BOOL ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead, LPDWORD lpNumberOfBytesRead,
  //   LPOVERLAPPED lpOverlapped);
  winapi('kernel32.dll', 'BOOL ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead, LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped)', (c) => {
    const f = c.process.object(c.args[0]!);
    if (!(f instanceof FileObject)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    if (c.args[3]! !== 0n) c.mem.setU32(c.args[3]!, 0); // stdin is empty: end of file
    return true;
  }),

  // DWORD GetFileType(HANDLE hFile);
  winapi('kernel32.dll', 'DWORD GetFileType(HANDLE hFile)', (c) => {
    const f = c.process.object(c.args[0]!);
    if (!(f instanceof FileObject)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return FILE_TYPE.UNKNOWN;
    }
    return FILE_TYPE.CHAR;
  }),

  // BOOL FlushFileBuffers(HANDLE hFile);
  winapi('kernel32.dll', 'BOOL FlushFileBuffers(HANDLE hFile)', () => true),
];
