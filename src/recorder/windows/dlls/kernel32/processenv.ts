// processenv.h

import { winapi } from '../../api.ts';
import { GuestMemory } from '../../guest-memory.ts';
import { STD_HANDLE } from '../../handles.ts';

export const processenv = [
  // HANDLE GetStdHandle(DWORD nStdHandle);
  winapi('kernel32.dll', 'HANDLE GetStdHandle(DWORD nStdHandle)', (c) => {
    const which = c.args[0]! & 0xffffffffn;
    const h = c.process.stdHandles;
    if (which === STD_HANDLE.input) return h.input;
    if (which === STD_HANDLE.output) return h.output;
    if (which === STD_HANDLE.error) return h.error;
    c.setLastError(6);
    return 0xffff_ffff_ffff_ffffn;
  }),

  // LPWSTR GetCommandLineW(void);
  winapi('kernel32.dll', 'LPWSTR GetCommandLineW(void)', (c) => c.process.commandLineW()),

  // LPSTR GetCommandLineA(void);
  winapi('kernel32.dll', 'LPSTR GetCommandLineA(void)', (c) => c.process.commandLineA()),

  // LPWCH GetEnvironmentStringsW(void);
  winapi('kernel32.dll', 'LPWCH GetEnvironmentStringsW(void)', (c) => {
    const block = Object.entries(c.process.environment).map(([k, v]) => `${k}=${v}\0`).join('') + '\0';
    return c.process.allocProcessData(GuestMemory.utf16z(block).subarray(0, block.length * 2));
  }),

  // BOOL FreeEnvironmentStringsW(LPWCH penv);
  // Gives the block back, so a program may ask for the environment any number of times.
  winapi('kernel32.dll', 'BOOL FreeEnvironmentStringsW(LPWCH penv)', (c) => {
    if (c.process.freeProcessData(c.args[0]!)) return true;
    c.setLastError(87); // ERROR_INVALID_PARAMETER: not a block GetEnvironmentStringsW returned
    return false;
  }),

  // DWORD GetEnvironmentVariableW(LPCWSTR lpName, LPWSTR lpBuffer, DWORD nSize);
  winapi('kernel32.dll', 'DWORD GetEnvironmentVariableW(LPCWSTR lpName, LPWSTR lpBuffer, DWORD nSize)', (c) => {
    const name = c.mem.wString(c.args[0]!);
    const key = Object.keys(c.process.environment).find((k) => k.toUpperCase() === name.toUpperCase());
    if (key === undefined) {
      c.setLastError(203); // ERROR_ENVVAR_NOT_FOUND
      return 0n;
    }
    const value = c.process.environment[key]!;
    const size = Number(c.args[2]! & 0xffffffffn);
    if (size < value.length + 1) return BigInt(value.length + 1);
    c.mem.write(c.args[1]!, GuestMemory.utf16z(value));
    return BigInt(value.length);
  }),

  // BOOL SetEnvironmentVariableW(LPCWSTR lpName, LPCWSTR lpValue);
  winapi('kernel32.dll', 'BOOL SetEnvironmentVariableW(LPCWSTR lpName, LPCWSTR lpValue)', (c) => {
    const name = c.mem.wString(c.args[0]!);
    if (c.args[1] === 0n) delete c.process.environment[name];
    else c.process.environment[name] = c.mem.wString(c.args[1]!);
    return true;
  }),
];
