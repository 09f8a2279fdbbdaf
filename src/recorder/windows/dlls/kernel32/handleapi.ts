// handleapi.h

import { winapi } from '../../api.ts';
import { ERROR_INVALID_HANDLE } from '../wait.ts';

export const handleapi = [
  // BOOL CloseHandle(HANDLE hObject);
  winapi('kernel32.dll', 'BOOL CloseHandle(HANDLE hObject)', (c) => {
    if (c.process.handles.close(c.args[0]!)) return true;
    c.setLastError(ERROR_INVALID_HANDLE);
    return false;
  }),

  // BOOL DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle, HANDLE hTargetProcessHandle,
  //   LPHANDLE lpTargetHandle, DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwOptions);
  winapi('kernel32.dll', 'BOOL DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle, HANDLE hTargetProcessHandle, LPHANDLE lpTargetHandle, DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwOptions)', (c) => {
    const obj = c.process.object(c.args[1]!);
    if (!obj) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    const h = c.process.handles.add(obj);
    if (c.args[3]! !== 0n) c.mem.setU64(c.args[3]!, h);
    if ((c.args[6]! & 1n) !== 0n) c.process.handles.close(c.args[1]!); // DUPLICATE_CLOSE_SOURCE
    return true;
  }),
];
