// consoleapi.h. The console is redirected (as under a pipe), so GetConsoleMode fails and Go writes bytes with
// WriteFile; WriteConsoleW still works for programs that insist.

import { winapi } from '../../api.ts';
import { FileObject } from '../../objects.ts';
import { ERROR_INVALID_HANDLE } from '../wait.ts';

const ERROR_INVALID_PARAMETER = 87;

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
  // The handlers run on the thread a console control event creates (console-events.ts).
  winapi('kernel32.dll', 'BOOL SetConsoleCtrlHandler(PHANDLER_ROUTINE HandlerRoutine, BOOL Add)', (c) => {
    if (c.process.console.set(c.args[0]!, (c.args[1]! & 0xffffffffn) !== 0n)) return true;
    c.setLastError(ERROR_INVALID_PARAMETER);
    return false;
  }),

  // DWORD WINAPI CtrlRoutine(LPVOID lpParameter);  (kernelbase export; the start routine of a control thread)
  winapi('kernelbase.dll', 'DWORD CtrlRoutine(LPVOID lpParameter)', (c) => c.process.console.ctrlRoutineStep(c)),

  // UINT GetConsoleOutputCP(void);
  winapi('kernel32.dll', 'UINT GetConsoleOutputCP(void)', () => 65001n),
];
