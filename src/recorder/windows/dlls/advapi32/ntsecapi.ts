// ntsecapi.h (advapi32.dll): RtlGenRandom, exported as SystemFunction036. Deterministic: a fixed-seed
// xorshift generator, so two runs of a program draw the same "random" bytes.

import { winapi } from '../../api.ts';

export const ntsecapi = [
  // BOOLEAN RtlGenRandom(PVOID RandomBuffer, ULONG RandomBufferLength);  (exported as SystemFunction036)
  winapi('advapi32.dll', 'BOOLEAN SystemFunction036(PVOID RandomBuffer, ULONG RandomBufferLength)', (c) => {
    const n = Number(c.args[1]! & 0xffffffffn);
    c.mem.write(c.args[0]!, c.process.random.bytes(n));
    return true;
  }),
];
