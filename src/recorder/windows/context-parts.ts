// Which bytes of an ARM64 CONTEXT each ContextFlags bit covers (winnt.h). GetThreadContext fills and
// SetThreadContext loads only the parts the caller's ContextFlags name: Go's profiler and preemptM ask for
// CONTEXT_CONTROL alone and hand the same buffer back, so a part not asked for must be neither written nor loaded.

import { CONTEXT, CONTEXT_FLAGS } from './structs.ts';

const f = CONTEXT.fields;

/** [start, end) byte ranges of each part. */
const PARTS: ReadonlyArray<readonly [flag: number, ranges: ReadonlyArray<readonly [number, number]>]> = [
  // Cpsr, and Fp, Lr, Sp, Pc (contiguous).
  [CONTEXT_FLAGS.CONTROL, [[f.Cpsr[0], f.Cpsr[0] + 4], [f.Fp[0], f.Pc[0] + 8]]],
  [CONTEXT_FLAGS.INTEGER, [[f.X0[0], f.Fp[0]]]], // X0-X28
  [CONTEXT_FLAGS.FLOATING_POINT, [[f.V0[0], f.Fpsr[0] + 4]]], // V0-V31, Fpcr, Fpsr
  [CONTEXT_FLAGS.DEBUG, [[f.Bcr[0], CONTEXT.size]]], // Bcr, Bvr, Wcr, Wvr
];

/** The byte ranges of a CONTEXT that `contextFlags` selects: the part bits below CONTEXT_ARM64's. */
export function contextRanges(contextFlags: number): Array<readonly [number, number]> {
  return PARTS.filter(([flag]) => (contextFlags & flag & ~CONTEXT_FLAGS.ARM64) !== 0).flatMap(([, ranges]) => ranges);
}
