// winbase.h

import { winapi } from '../../api.ts';
import { MountedFile, WaitableTimer } from '../../objects.ts';
import { attributesOf } from './file-info.ts';
import { objectOf } from './fileapi.ts';

/** FILE_INFO_BY_HANDLE_CLASS FileAttributeTagInfo: FILE_ATTRIBUTE_TAG_INFO { DWORD FileAttributes; DWORD ReparseTag; }. */
const FileAttributeTagInfo = 9n;
const ERROR_INVALID_PARAMETER = 87;

export const winbase = [
  // HANDLE CreateWaitableTimerA(LPSECURITY_ATTRIBUTES lpTimerAttributes, BOOL bManualReset, LPCSTR lpTimerName);
  // Go's profiler thread (profileLoop) makes one and waits on it with a period; a named timer would be shared
  // between processes, but only one process exists, so the name changes nothing.
  winapi('kernel32.dll', 'HANDLE CreateWaitableTimerA(LPSECURITY_ATTRIBUTES lpTimerAttributes, BOOL bManualReset, LPCSTR lpTimerName)', (c) =>
    c.process.handles.add(new WaitableTimer((c.args[1]! & 0xffffffffn) !== 0n))),

  // BOOL SetProcessPriorityBoost(HANDLE hProcess, BOOL bDisablePriorityBoost);
  winapi('kernel32.dll', 'BOOL SetProcessPriorityBoost(HANDLE hProcess, BOOL bDisablePriorityBoost)', () => true),

  // BOOL GetProcessAffinityMask(HANDLE hProcess, PDWORD_PTR lpProcessAffinityMask, PDWORD_PTR lpSystemAffinityMask);
  winapi('kernel32.dll', 'BOOL GetProcessAffinityMask(HANDLE hProcess, PDWORD_PTR lpProcessAffinityMask, PDWORD_PTR lpSystemAffinityMask)', (c) => {
    const mask = (1n << BigInt(c.process.processorCount)) - 1n;
    c.mem.setU64(c.args[1]!, mask);
    c.mem.setU64(c.args[2]!, mask);
    return true;
  }),

  // BOOL GetFileInformationByHandleEx(HANDLE hFile, FILE_INFO_BY_HANDLE_CLASS FileInformationClass,
  //   LPVOID lpFileInformation, DWORD dwBufferSize);
  winapi('kernel32.dll', 'BOOL GetFileInformationByHandleEx(HANDLE hFile, FILE_INFO_BY_HANDLE_CLASS FileInformationClass, LPVOID lpFileInformation, DWORD dwBufferSize)', (c) => {
    const f = objectOf(c, c.args[0]!, MountedFile);
    if (f === undefined) return false;
    // Only the class os.Stat asks for; mounted files are never reparse points (links are followed on the host).
    if ((c.args[1]! & 0xffffffffn) !== FileAttributeTagInfo || (c.args[3]! & 0xffffffffn) < 8n) {
      c.setLastError(ERROR_INVALID_PARAMETER);
      return false;
    }
    c.mem.setU32(c.args[2]!, attributesOf({ isDirectory: f.isDirectory, size: f.data.length }));
    c.mem.setU32(c.args[2]! + 4n, 0);
    return true;
  }),
];
