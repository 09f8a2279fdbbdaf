// winbase.h

import { winapi } from '../../api.ts';

export const winbase = [
  // BOOL SetProcessPriorityBoost(HANDLE hProcess, BOOL bDisablePriorityBoost);
  winapi('kernel32.dll', 'BOOL SetProcessPriorityBoost(HANDLE hProcess, BOOL bDisablePriorityBoost)', () => true),

  // BOOL GetProcessAffinityMask(HANDLE hProcess, PDWORD_PTR lpProcessAffinityMask, PDWORD_PTR lpSystemAffinityMask);
  winapi('kernel32.dll', 'BOOL GetProcessAffinityMask(HANDLE hProcess, PDWORD_PTR lpProcessAffinityMask, PDWORD_PTR lpSystemAffinityMask)', (c) => {
    const mask = (1n << BigInt(c.process.processorCount)) - 1n;
    c.mem.setU64(c.args[1]!, mask);
    c.mem.setU64(c.args[2]!, mask);
    return true;
  }),
];
