// bcryptprimitives.dll: ProcessPrng, which has no SDK header (Microsoft documents it with its prototype only).
// Go 1.21+ takes all its randomness from it and throws "bcryptprimitives.dll not found" without it. The bytes
// come from the process's one seeded generator (random.ts), the same stream RtlGenRandom draws from, so two
// runs of a program see the same "random" bytes and the emulated world never touches host entropy.

import { winapi } from '../../api.ts';

export const bcryptprimitives = [
  // BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData);
  winapi('bcryptprimitives.dll', 'BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData)', (c) => {
    const n = c.args[1]!;
    // Microsoft: "always returns TRUE". A length no guest buffer can have would only be a guest bug; fill what
    // the call names, in bounded steps so a huge request cannot allocate unbounded host memory at once.
    const CHUNK = 0x10000n;
    for (let done = 0n; done < n; done += CHUNK) {
      const len = n - done < CHUNK ? n - done : CHUNK;
      c.mem.write(c.args[0]! + done, c.process.random.bytes(Number(len)));
    }
    return true;
  }),
];
