// profileapi.h

import { winapi } from '../../api.ts';
import { VirtualClock } from '../../clock.ts';

export const profileapi = [
  // BOOL QueryPerformanceCounter(LARGE_INTEGER *lpPerformanceCount);
  winapi('kernel32.dll', 'BOOL QueryPerformanceCounter(LARGE_INTEGER *lpPerformanceCount)', (c) => {
    c.mem.setU64(c.args[0]!, c.process.clock.qpc());
    return true;
  }),
  // BOOL QueryPerformanceFrequency(LARGE_INTEGER *lpFrequency);
  winapi('kernel32.dll', 'BOOL QueryPerformanceFrequency(LARGE_INTEGER *lpFrequency)', (c) => {
    c.mem.setU64(c.args[0]!, VirtualClock.QPC_FREQUENCY);
    return true;
  }),
];
