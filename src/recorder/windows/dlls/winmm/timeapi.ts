// timeapi.h (winmm.dll). Timer resolution does not matter to virtual time; both calls succeed.

import { winapi } from '../../api.ts';

export const timeapi = [
  // MMRESULT timeBeginPeriod(UINT uPeriod);
  winapi('winmm.dll', 'MMRESULT timeBeginPeriod(UINT uPeriod)', () => 0n),
  // MMRESULT timeEndPeriod(UINT uPeriod);
  winapi('winmm.dll', 'MMRESULT timeEndPeriod(UINT uPeriod)', () => 0n),
];
