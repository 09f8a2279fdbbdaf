// winbase.h

import { winapi, type ApiCall } from '../../api.ts';
import { MountedFile, WaitableTimer } from '../../objects.ts';
import { Sandbox } from '../../sandbox.ts';
import { attributesOf, writeFullDirInfo } from './file-info.ts';
import { fileIndex, objectOf } from './fileapi.ts';

/** FILE_INFO_BY_HANDLE_CLASS FileAttributeTagInfo: FILE_ATTRIBUTE_TAG_INFO { DWORD FileAttributes; DWORD ReparseTag; }. */
const FileAttributeTagInfo = 9n;
const ERROR_INVALID_PARAMETER = 87;
/** The directory classes Go 1.22+'s os.ReadDir uses: the next entries, or the first ones again ("restart"). */
const FileFullDirectoryInfo = 14n;
const FileFullDirectoryRestartInfo = 15n;
const ERROR_NO_MORE_FILES = 18;
const ERROR_MORE_DATA = 234;

/**
 * Fills `buffer` with the directory's next entries, as many whole ones as fit. The listing is taken when the
 * enumeration (re)starts, so entries appear in the same order on every run; past the last one the call fails with
 * ERROR_NO_MORE_FILES, and with ERROR_MORE_DATA when not even one entry fits.
 */
function readDirectory(c: ApiCall, f: MountedFile, restart: boolean, buffer: bigint, size: number): boolean {
  if (!f.isDirectory) {
    c.setLastError(ERROR_INVALID_PARAMETER);
    return false;
  }
  if (restart || f.listing === undefined) {
    const r = c.process.sandbox.resolve(f.path);
    f.listing = { entries: r.kind === 'host' && r.isDirectory ? Sandbox.list(r) : [], next: 0 };
  }
  const l = f.listing;
  if (l.next >= l.entries.length) {
    c.setLastError(ERROR_NO_MORE_FILES);
    return false;
  }
  const n = writeFullDirInfo(c.mem, buffer, size, l.entries.slice(l.next), (e) => fileIndex(`${f.path}\\${e.name}`));
  if (n === 0) {
    c.setLastError(ERROR_MORE_DATA);
    return false;
  }
  l.next += n;
  return true;
}

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
    const infoClass = c.args[1]! & 0xffffffffn;
    if (infoClass === FileFullDirectoryInfo || infoClass === FileFullDirectoryRestartInfo) {
      return readDirectory(c, f, infoClass === FileFullDirectoryRestartInfo, c.args[2]!, Number(c.args[3]! & 0xffffffffn));
    }
    // Else only the class os.Stat asks for; mounted files are never reparse points (links are followed on the host).
    if (infoClass !== FileAttributeTagInfo || (c.args[3]! & 0xffffffffn) < 8n) {
      c.setLastError(ERROR_INVALID_PARAMETER);
      return false;
    }
    c.mem.setU32(c.args[2]!, attributesOf({ isDirectory: f.isDirectory, size: f.data.length }));
    c.mem.setU32(c.args[2]! + 4n, 0);
    return true;
  }),
];
