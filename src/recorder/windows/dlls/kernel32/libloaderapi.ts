// libloaderapi.h: LoadLibrary*/GetProcAddress over the emulated DLLs only (no DLL from disk is ever loaded).

import { winapi, type ApiCall } from '../../api.ts';
import { GuestMemory } from '../../guest-memory.ts';

const ERROR_MOD_NOT_FOUND = 126;
const ERROR_PROC_NOT_FOUND = 127;

function load(c: ApiCall, name: string): bigint {
  const base = c.process.loadLibrary(name);
  if (base === 0n) c.setLastError(ERROR_MOD_NOT_FOUND);
  return base;
}

export const libloaderapi = [
  // HMODULE LoadLibraryA(LPCSTR lpLibFileName);
  winapi('kernel32.dll', 'HMODULE LoadLibraryA(LPCSTR lpLibFileName)', (c) => load(c, c.mem.cString(c.args[0]!))),
  // HMODULE LoadLibraryW(LPCWSTR lpLibFileName);
  winapi('kernel32.dll', 'HMODULE LoadLibraryW(LPCWSTR lpLibFileName)', (c) => load(c, c.mem.wString(c.args[0]!))),
  // HMODULE LoadLibraryExA(LPCSTR lpLibFileName, HANDLE hFile, DWORD dwFlags);
  winapi('kernel32.dll', 'HMODULE LoadLibraryExA(LPCSTR lpLibFileName, HANDLE hFile, DWORD dwFlags)', (c) => load(c, c.mem.cString(c.args[0]!))),
  // HMODULE LoadLibraryExW(LPCWSTR lpLibFileName, HANDLE hFile, DWORD dwFlags);
  winapi('kernel32.dll', 'HMODULE LoadLibraryExW(LPCWSTR lpLibFileName, HANDLE hFile, DWORD dwFlags)', (c) => load(c, c.mem.wString(c.args[0]!))),

  // BOOL FreeLibrary(HMODULE hLibModule);
  winapi('kernel32.dll', 'BOOL FreeLibrary(HMODULE hLibModule)', () => true),

  // FARPROC GetProcAddress(HMODULE hModule, LPCSTR lpProcName);
  winapi('kernel32.dll', 'FARPROC GetProcAddress(HMODULE hModule, LPCSTR lpProcName)', (c) => {
    const [module, nameArg] = c.args as [bigint, bigint];
    // An ordinal is passed as a value below 64 KiB; no emulated DLL exports by ordinal.
    const name = nameArg < 0x10000n ? `#${nameArg}` : c.mem.cString(nameArg);
    const addr = c.process.procAddress(module === 0n ? c.process.image.base : module, name);
    if (addr === 0n) c.setLastError(ERROR_PROC_NOT_FOUND);
    return addr;
  }),

  // DLL_DIRECTORY_COOKIE AddDllDirectory(PCWSTR NewDirectory);
  winapi('kernel32.dll', 'DLL_DIRECTORY_COOKIE AddDllDirectory(PCWSTR NewDirectory)', () => 1n),

  // HMODULE GetModuleHandleW(LPCWSTR lpModuleName);
  winapi('kernel32.dll', 'HMODULE GetModuleHandleW(LPCWSTR lpModuleName)', (c) =>
    c.args[0] === 0n ? c.process.image.base : load(c, c.mem.wString(c.args[0]!))),
  // HMODULE GetModuleHandleA(LPCSTR lpModuleName);
  winapi('kernel32.dll', 'HMODULE GetModuleHandleA(LPCSTR lpModuleName)', (c) =>
    c.args[0] === 0n ? c.process.image.base : load(c, c.mem.cString(c.args[0]!))),

  // DWORD GetModuleFileNameW(HMODULE hModule, LPWSTR lpFilename, DWORD nSize);
  winapi('kernel32.dll', 'DWORD GetModuleFileNameW(HMODULE hModule, LPWSTR lpFilename, DWORD nSize)', (c) => {
    const path = c.process.options.imagePath;
    const size = Number(c.args[2]! & 0xffffffffn);
    const text = path.slice(0, Math.max(0, size - 1));
    c.mem.write(c.args[1]!, GuestMemory.utf16z(text));
    if (text.length < path.length) c.setLastError(122); // ERROR_INSUFFICIENT_BUFFER
    return BigInt(text.length);
  }),
];
