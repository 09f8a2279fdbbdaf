// The emulated Windows' side of the sentinels (src/trace/sentinels.ts): at every entry into the program it fills
// X19-X28 and D8-D15 with the entry's sentinel values, X29 with the address of a frame record of its own (the
// ABI wants FP to point at the caller's {FP, LR} pair, so FP gets a real one rather than a marker), and at the
// matching return it looks at what came back. Real Windows enters with whatever its own frames hold live there,
// which a correct routine preserves whatever it is; the zeros wintrace used to enter with hid every clobber that
// wrote 0, and a handler entered with the faulting context's values hid every clobber that kept them.

import { REGISTERS, type RegInfo } from '../../arch/arm64.ts';
import { type EntryKind, sentinelsFor } from '../../trace/sentinels.ts';
import type { Engine } from '../engine/engine.ts';
import type { GuestMemory } from './guest-memory.ts';

const LOW64 = 0xffff_ffff_ffff_ffffn;

export class EntrySentinels {
  /** Entries so far: the n-th entry's values carry n, so no two entries of a run share one. */
  private entries = 0;

  /** The next entry's values, slot by slot. */
  take(kind: EntryKind, tid: number): Array<[number, bigint]> {
    return sentinelsFor(kind, tid, this.entries++);
  }
}

/** The registers to write for an entry's values (a D register's high half is 0). */
export function sentinelRegisters(values: ReadonlyArray<readonly [number, bigint]>): Array<readonly [RegInfo, bigint]> {
  return values.map(([slot, v]) => [REGISTERS[slot]!, v] as const);
}

/** At the matching return: each slot whose value (D registers: the low 64 bits) is not the one the entry gave it. */
export function sentinelsLost(engine: Engine, values: ReadonlyArray<readonly [number, bigint]>): Array<[number, bigint]> {
  const now = engine.readRegs(values.map(([slot]) => REGISTERS[slot]!));
  const lost: Array<[number, bigint]> = [];
  values.forEach(([slot, v], i) => {
    const back = now[i]! & LOW64;
    if (back !== v) lost.push([slot, back]);
  });
  return lost;
}

/**
 * The {FP, LR} pair of the emulated Windows' caller frame at `at` (16 bytes, inside the caller's part of the
 * stack): the chain ends there (saved FP 0), and LR is where the entered routine returns.
 */
export function writeFrameRecord(mem: GuestMemory, at: bigint, lr: bigint): void {
  mem.setU64(at, 0n);
  mem.setU64(at + 8n, lr);
}
