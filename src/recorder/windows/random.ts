// The guest's only source of randomness: xorshift64* from a fixed seed, so runs repeat byte for byte.

export class DeterministicRandom {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = seed === 0n ? 1n : BigInt.asUintN(64, seed);
  }

  next(): bigint {
    let x = this.state;
    x ^= x >> 12n;
    x ^= BigInt.asUintN(64, x << 25n);
    x ^= x >> 27n;
    this.state = x;
    return BigInt.asUintN(64, x * 0x2545f4914f6cdd1dn);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 8) {
      let v = this.next();
      for (let j = i; j < Math.min(n, i + 8); j++) {
        out[j] = Number(v & 0xffn);
        v >>= 8n;
      }
    }
    return out;
  }
}
