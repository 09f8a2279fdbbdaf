// consoleapi.h. The console is redirected (as under a pipe), so GetConsoleMode fails and Go writes bytes with
// WriteFile; WriteConsoleW still works for programs that insist.

import { winapi } from '../../api.ts';
import { FileObject } from '../../objects.ts';
import { ERROR_INVALID_HANDLE } from '../wait.ts';

export const consoleapi = [
  // BOOL GetConsoleMode(HANDLE hConsoleHandle, LPDWORD lpMode);
  winapi('kernel32.dll', 'BOOL GetConsoleMode(HANDLE hConsoleHandle, LPDWORD lpMode)', (c) => {
    c.setLastError(ERROR_INVALID_HANDLE);
    return false;
  }),

  // BOOL SetConsoleMode(HANDLE hConsoleHandle, DWORD dwMode);
  winapi('kernel32.dll', 'BOOL SetConsoleMode(HANDLE hConsoleHandle, DWORD dwMode)', (c) => {
    c.setLastError(ERROR_INVALID_HANDLE);
    return false;
  }),

  // BOOL WriteConsoleW(HANDLE hConsoleOutput, const VOID *lpBuffer, DWORD nNumberOfCharsToWrite,
  //   LPDWORD lpNumberOfCharsWritten, LPVOID lpReserved);
  winapi('kernel32.dll', 'BOOL WriteConsoleW(HANDLE hConsoleOutput, const VOID *lpBuffer, DWORD nNumberOfCharsToWrite, LPDWORD lpNumberOfCharsWritten, LPVOID lpReserved)', (c) => {
    const f = c.process.object(c.args[0]!);
    if (!(f instanceof FileObject)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    const n = Number(c.args[2]! & 0xffffffffn);
    const units = c.mem.bytes(c.args[1]!, n * 2);
    const text = Buffer.from(units).toString('utf16le');
    const bytes = new TextEncoder().encode(text);
    if (f.role === 'stderr') c.process.options.stderr(bytes);
    else c.process.options.stdout(bytes);
    c.process.outputBytes += bytes.length;
    if (c.args[3]! !== 0n) c.mem.setU32(c.args[3]!, n);
    return true;
  }),

  // BOOL SetConsoleCtrlHandler(PHANDLER_ROUTINE HandlerRoutine, BOOL Add);
  winapi('kernel32.dll', 'BOOL SetConsoleCtrlHandler(PHANDLER_ROUTINE HandlerRoutine, BOOL Add)', () => true),

  // UINT GetConsoleOutputCP(void);
  winapi('kernel32.dll', 'UINT GetConsoleOutputCP(void)', () => 65001n),
];
