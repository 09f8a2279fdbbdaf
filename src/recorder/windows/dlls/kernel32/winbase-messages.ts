// FormatMessageW (winbase.h) for system error codes: Go formats every syscall.Errno through it.

import { winapi } from '../../api.ts';
import { GuestMemory } from '../../guest-memory.ts';

/** Messages of the Win32 errors the emulated Windows itself returns, worded as Windows words them. */
const SYSTEM_MESSAGES: Record<number, string> = {
  0: 'The operation completed successfully.',
  2: 'The system cannot find the file specified.',
  3: 'The system cannot find the path specified.',
  5: 'Access is denied.',
  6: 'The handle is invalid.',
  8: 'Not enough memory resources are available to process this command.',
  18: 'There are no more files.',
  87: 'The parameter is incorrect.',
  122: 'The data area passed to a system call is too small.',
  123: 'The filename, directory name, or volume label syntax is incorrect.',
  126: 'The specified module could not be found.',
  127: 'The specified procedure could not be found.',
  131: 'An attempt was made to move the file pointer before the beginning of the file.',
  203: 'The system could not find the environment option that was entered.',
  223: 'The file size exceeds the limit allowed and cannot be saved.',
  258: 'The wait operation timed out.',
  487: 'Attempt to access invalid address.',
  10050: 'A socket operation encountered a dead network.',
};

const FORMAT_MESSAGE_ALLOCATE_BUFFER = 0x100n;
const FORMAT_MESSAGE_FROM_SYSTEM = 0x1000n;
const ERROR_MR_MID_NOT_FOUND = 317;

export const winbaseMessages = [
  // DWORD FormatMessageW(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId, DWORD dwLanguageId, LPWSTR lpBuffer,
  //   DWORD nSize, va_list *Arguments);
  winapi('kernel32.dll', 'DWORD FormatMessageW(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId, DWORD dwLanguageId, LPWSTR lpBuffer, DWORD nSize, va_list *Arguments)', (c) => {
    const [flags, , id, , buffer, size] = c.args as bigint[] as [bigint, bigint, bigint, bigint, bigint, bigint];
    const text = (flags & FORMAT_MESSAGE_FROM_SYSTEM) !== 0n ? SYSTEM_MESSAGES[Number(id & 0xffffffffn)] : undefined;
    if (text === undefined || (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) !== 0n) {
      c.setLastError(ERROR_MR_MID_NOT_FOUND);
      return 0n;
    }
    const withEol = `${text}\r\n`;
    if (BigInt(withEol.length + 1) > size) {
      c.setLastError(122);
      return 0n;
    }
    c.mem.write(buffer, GuestMemory.utf16z(withEol));
    return BigInt(withEol.length);
  }),

  // BOOL SetFileCompletionNotificationModes(HANDLE FileHandle, UCHAR Flags);
  winapi('kernel32.dll', 'BOOL SetFileCompletionNotificationModes(HANDLE FileHandle, UCHAR Flags)', () => true),
];
