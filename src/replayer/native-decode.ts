// Binding of native/decode.c, the C twin of decode.ts's decoder (the reference). Optional: without the built
// library (build/native/libwt_decode.so, from scripts/build-native.sh) the replayer decodes in TypeScript.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';

const LIB = fileURLToPath(new URL('../../build/native/libwt_decode.so', import.meta.url));

export interface NativeArrays {
  opKind: Uint8Array; opArg: Int32Array; opPrev: Int32Array; opTid: Int32Array; opCh: Uint32Array; opWr: Uint32Array;
  chReg: Uint8Array; chVal: Uint32Array;
  wrAddr: Float64Array; wrSize: Uint32Array; wrData: Uint32Array; wrNew: Uint32Array; wrStep: Int32Array; wrOp: Uint32Array;
}

export interface NativeResult {
  ops: number;
  nch: number;
  nwr: number;
}

type DecodeFn = (...args: unknown[]) => number;
let fn: DecodeFn | null | undefined;
let library: koffi.IKoffiLib | undefined;

function load(): DecodeFn | null {
  if (fn !== undefined) return fn;
  if (process.env.WINTRACE_JS_DECODER === '1' || !existsSync(LIB)) return (fn = null);
  const lib = (library = koffi.load(LIB));
  fn = lib.func(
    'int wt_decode_flat(const uint8_t *d, uint32_t n, _Inout_ uint32_t *meta, _Inout_ int32_t *tids, _Inout_ double *pcs, ' +
    '_Out_ uint8_t *op_kind, _Out_ int32_t *op_arg, _Out_ int32_t *op_prev, _Out_ int32_t *op_tid, _Out_ uint32_t *op_ch, ' +
    '_Out_ uint32_t *op_wr, _Out_ uint8_t *ch_reg, _Out_ uint32_t *ch_val, _Out_ double *wr_addr, _Out_ uint32_t *wr_size, ' +
    '_Out_ uint32_t *wr_data, _Out_ uint32_t *wr_new, _Out_ int32_t *wr_step, _Out_ uint32_t *wr_op, _Out_ uint32_t *step_op, _Out_ int32_t *step_tid, ' +
    '_Out_ double *step_pc, _Out_ double *step_next_pc)',
  ) as DecodeFn;
  return fn;
}

/** The loaded library (the ABI checker's C pass lives in it too), or undefined when the native path is off. */
export function nativeLibrary(): koffi.IKoffiLib | undefined {
  load();
  return library;
}

/** Is the native decoder in use (the library built, WINTRACE_JS_DECODER not set)? */
export function nativeDecoderAvailable(): boolean {
  return load() !== null;
}

/** New threads a segment may start beyond its keyframe's before the native path gives up (the JS path has no limit). */
const EXTRA_THREADS = 256;

/**
 * Decodes `data` into `out` and the step arrays; undefined when the stream is malformed or exceeds a capacity
 * (the caller then decodes in TypeScript, which names the defect).
 */
export function decodeNative(
  data: Uint8Array, steps: number, pcs: ReadonlyMap<number, number>, keyTid: number, out: NativeArrays,
  stepOp: Uint32Array, stepTid: Int32Array, stepPc: Float64Array, stepNextPc: Float64Array,
): NativeResult | undefined {
  const f = load();
  if (!f) return undefined;
  const max = pcs.size + EXTRA_THREADS;
  const tids = new Int32Array(max);
  const pcArr = new Float64Array(max);
  let i = 0;
  for (const [tid, pc] of pcs) {
    tids[i] = tid;
    pcArr[i++] = pc;
  }
  const meta = new Uint32Array(11);
  meta[0] = steps;
  meta[1] = pcs.size;
  meta[2] = max;
  meta[3] = keyTid >>> 0;
  meta[4] = out.opKind.length;
  meta[5] = out.chReg.length;
  meta[6] = out.wrAddr.length;
  const e = f(data, data.length, meta, tids, pcArr, out.opKind, out.opArg, out.opPrev, out.opTid, out.opCh, out.opWr,
    out.chReg, out.chVal, out.wrAddr, out.wrSize, out.wrData, out.wrNew, out.wrStep, out.wrOp, stepOp, stepTid, stepPc, stepNextPc);
  if (e !== 0) return undefined;
  return { ops: meta[7]!, nch: meta[8]!, nwr: meta[9]! };
}

type FindFn = (d: Uint8Array, n: number, meta: Uint32Array, range: Float64Array) => number;
let findFn: FindFn | null | undefined;

/** Step records of a segment to search from or up to: the whole segment (native/decode.c FIND_ALL). */
export const FIND_ALL = 0xffffffff;

export interface FoundWrite {
  /** Index in the segment of the step that wrote; for the emulated Windows' write, of the step after it. */
  readonly step: number;
  readonly byWindows: boolean;
  readonly tid: number;
  readonly address: number;
  readonly size: number;
  /** Offset of the old bytes in the stream. */
  readonly dataAt: number;
  /** Offset of the new bytes in the stream. */
  readonly newAt: number;
}

/** The in-words of wt_find_write and wt_window_writes: steps, key tid, limit, direction (12 words in all). */
function findMeta(steps: number, keyTid: number, limit: number, forward: boolean): Uint32Array {
  return Uint32Array.of(steps, keyTid >>> 0, limit, forward ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/**
 * The last write before step record `limit` (backward) or the first from it on (forward) touching [lo, hi), found
 * in a segment's stream without decoding it into arrays (what a "last write" search does to the segments its
 * filters let through). null: none; undefined: no native library, or a malformed stream (decode it for the error).
 */
export function findWriteNative(data: Uint8Array, steps: number, keyTid: number, limit: number, forward: boolean, lo: number, hi: number): FoundWrite | null | undefined {
  if (findFn === undefined) {
    const lib = nativeLibrary();
    findFn = lib ? lib.func('int wt_find_write(const uint8_t *d, uint32_t n, _Inout_ uint32_t *meta, _Inout_ double *range)') as FindFn : null;
  }
  if (!findFn) return undefined;
  const meta = findMeta(steps, keyTid, limit, forward);
  const range = Float64Array.of(lo, hi, 0);
  if (findFn(data, data.length, meta, range) !== 0) return undefined;
  if (!meta[4]) return null;
  return { step: meta[6]!, byWindows: meta[5] === 1, tid: meta[7]! | 0, address: range[2]!, size: meta[9]!, dataAt: meta[8]!, newAt: meta[11]! };
}

type WindowFn = (d: Uint8Array, n: number, meta: Uint32Array, lo: number, len: number, bytes: Uint8Array, pos: Float64Array) => number;
let windowFn: WindowFn | null | undefined;

/**
 * A segment's writes applied to the window [lo, lo + len) without decoding it: backward (writes before step
 * record `limit`), each byte's last new value; forward (from `limit` on), each byte's value before its first
 * write. `pos` is where each came from, relative to the segment's first step (-1: no write). null: nothing
 * touched the window; undefined: no native library, or a malformed stream (decode it for the error).
 */
export function windowWritesNative(data: Uint8Array, steps: number, keyTid: number, limit: number, forward: boolean, lo: number, len: number): { bytes: Uint8Array; pos: Float64Array } | null | undefined {
  if (windowFn === undefined) {
    const lib = nativeLibrary();
    windowFn = lib ? lib.func('int wt_window_writes(const uint8_t *d, uint32_t n, _Inout_ uint32_t *meta, double lo, uint32_t len, _Inout_ uint8_t *bytes, _Inout_ double *pos)') as WindowFn : null;
  }
  if (!windowFn) return undefined;
  const meta = findMeta(steps, keyTid, limit, forward);
  const bytes = new Uint8Array(len);
  const pos = new Float64Array(len).fill(-1);
  if (windowFn(data, data.length, meta, lo, len, bytes, pos) !== 0) return undefined;
  return meta[4] ? { bytes, pos } : null;
}
