// The program side of the wild-branch fuzz kind: a copy of a fixture whose code, at its entry point (before Go's
// runtime has started or installed its exception handler) or at main.main (with the runtime running), does what
// a program with a corrupt function pointer does: puts the target in X16 — a constant, an offset from SP, or
// an offset into memory it just got from VirtualAlloc — and branches there with BR, BLR or RET, or starts a
// thread there with CreateThread and spins. Should a BLR come back, the program exits with code 0x77.

import { parsePe } from '../../src/recorder/loader/pe.ts';
import { addImm, addReg, blr, br, ldr, movImm64, ret, spin, wordBytes } from './a64-asm.ts';
import type { ProcessMap, Target } from './wild-targets.ts';

export const PLACES = ['entry', 'main'] as const;
export type Place = (typeof PLACES)[number];
export const HOWS = ['br', 'blr', 'ret', 'thread'] as const;
export type How = (typeof HOWS)[number];

/** What an exit through a BLR that returned leaves as the exit code. */
export const RETURNED = 0x77;

const X16 = 16;
const X17 = 17;

/** A call through an import slot: arguments in X0-X5, the slot's stub loaded into X9. */
function call(slot: bigint, args: readonly bigint[]): number[] {
  return [...args.flatMap((a, i) => movImm64(i, a)), ...movImm64(9, slot), ldr(9, 9), blr(9)];
}

/** X16 = the target. */
function targetInX16(t: Target, m: ProcessMap): number[] {
  switch (t.base) {
    case 'address': return movImm64(X16, t.value);
    case 'sp': return [addImm(X16, 31, 0), ...movImm64(X17, t.value), addReg(X16, X16, X17)];
    case 'alloc': {
      const a = t.alloc!;
      return [...call(m.iat.VirtualAlloc, [0n, a.size, BigInt(a.type), BigInt(a.protect)]), ...movImm64(X17, t.value), addReg(X16, 0, X17)];
    }
  }
}

export function branchCode(t: Target, how: How, m: ProcessMap): number[] {
  const exit = call(m.iat.ExitProcess, [BigInt(RETURNED)]);
  switch (how) {
    case 'br': return [...targetInX16(t, m), br(X16), ...exit];
    case 'blr': return [...targetInX16(t, m), blr(X16), ...exit];
    case 'ret': return [...targetInX16(t, m), ret(X16), ...exit];
    case 'thread':
      // CreateThread(NULL, 0, X16, NULL, 0, NULL), then this thread spins while the new one runs.
      return [...targetInX16(t, m), addImm(2, X16, 0), ...movImm64(0, 0n), ...movImm64(1, 0n), ...movImm64(3, 0n),
        ...movImm64(4, 0n), ...movImm64(5, 0n), ...movImm64(9, m.iat.CreateThread), ldr(9, 9), blr(9), spin];
  }
}

export function siteAddress(place: Place, m: ProcessMap): bigint {
  return place === 'entry' ? m.entry : m.mainMain;
}

/** The program's bytes with `words` written over the code at `address`; the code must lie in one section's file data. */
export function patched(program: Uint8Array, name: string, address: bigint, words: readonly number[]): Uint8Array {
  const pe = parsePe(program, name);
  const rva = Number(address - pe.imageBase);
  const bytes = wordBytes(words);
  const s = pe.sections.find((x) => rva >= x.rva && rva + bytes.length <= x.rva + x.initializedSize);
  if (!s) throw new Error(`${name}: ${bytes.length} bytes at rva 0x${rva.toString(16)} are not within one section's file data`);
  const out = program.slice();
  out.set(bytes, s.rawOffset + (rva - s.rva));
  return out;
}
