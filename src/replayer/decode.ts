// Decodes a segment's step stream (docs/trace-format.md, "Step stream") into flat typed arrays in one pass: the
// records become ops (step, os, switch, os-write) whose register changes and memory writes are ranges of shared
// arrays, and every step gets its thread and the address of the instruction it executed. Nothing is allocated
// per record, so the checker can walk tens of millions of steps a second. Register values are not materialised
// here: state.ts applies the changes to register files on demand.

import { TraceFormatError } from '../errors.ts';
import { TRACE_REGS, type Segment, type TraceEvent } from '../trace/schema.ts';
import { decodeNative } from './native-decode.ts';
import { PC_SLOT, type RegWords, regFileFromBytes, V0_SLOT, V31_SLOT, WORDS_PER_REG } from './regfile.ts';

export const OP_STEP = 0;
export const OP_OS = 1;
export const OP_SWITCH = 2;
export const OP_OS_WRITE = 3;

const MAX_STEP_WRITES = 64;
const MAX_OS_WRITE = 1 << 24;
const TWO32 = 0x1_0000_0000;

export interface DecodedSegment {
  readonly index: number;
  readonly firstStep: number;
  readonly steps: number;
  /** Registers of every live thread at firstStep, and the thread on the CPU. */
  readonly keyframe: ReadonlyMap<number, RegWords>;
  readonly keyTid: number;
  readonly events: readonly TraceEvent[];
  /** The inflated stream: memory write bytes are read from it in place. */
  readonly data: Uint8Array;
  readonly opCount: number;
  readonly opKind: Uint8Array;
  /** step: step index in the segment; switch: incoming tid; os-write: write index; os: 0. */
  readonly opArg: Int32Array;
  /** switch: the outgoing tid. */
  readonly opPrev: Int32Array;
  /** The thread each op belongs to: a step's and an os record's the running one, a switch's the incoming one. */
  readonly opTid: Int32Array;
  /** First register change of op k; the op's changes end at opCh[k + 1]. */
  readonly opCh: Uint32Array;
  /** First memory write of op k; ends at opWr[k + 1]. */
  readonly opWr: Uint32Array;
  readonly chReg: Uint8Array;
  /** Four words per change: delta low/high of bits 0-63, then of bits 64-127 (V registers). */
  readonly chVal: Uint32Array;
  readonly wrAddr: Float64Array;
  readonly wrSize: Uint32Array;
  /**
   * Offset of the old bytes in `data`: in the write's own record, or for a store whose old bytes the recorder
   * elided, the new bytes of the segment's previous step write at that address.
   */
  readonly wrData: Uint32Array;
  /** Offset of the new bytes in `data`. */
  readonly wrNew: Uint32Array;
  readonly stepOp: Uint32Array;
  readonly stepTid: Int32Array;
  /** Address of the instruction each step executed. */
  readonly stepPc: Float64Array;
  /** PC after each step (the next instruction of that thread, unless the emulated Windows moves it). */
  readonly stepNextPc: Float64Array;
  /** The step executed by each write (-1 for the emulated Windows' writes). */
  readonly wrStep: Int32Array;
  /** The op each write belongs to: a write is before position firstStep + k iff wrOp < stepOp[k]. */
  readonly wrOp: Uint32Array;
}

/** Ops before this index happened before position p, for p inside the segment (p at its end: every op). */
export function opLimit(seg: DecodedSegment, p: number): number {
  const k = p - seg.firstStep;
  return k < seg.steps ? seg.stepOp[k]! : seg.opCount;
}

/** Position of op k: a step's op is visible after the step (its index + 1); another op where the steps before it end. */
export function opPosition(seg: DecodedSegment, k: number): number {
  if (seg.opKind[k] === OP_STEP) return seg.firstStep + seg.opArg[k]! + 1;
  let lo = 0;
  let hi = seg.steps;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seg.stepOp[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return seg.firstStep + lo;
}

/** Growable scratch arrays, reused across decodes and copied out at the exact size. */
class Scratch {
  opKind = new Uint8Array(1 << 16);
  opArg = new Int32Array(1 << 16);
  opPrev = new Int32Array(1 << 16);
  opTid = new Int32Array(1 << 16);
  opCh = new Uint32Array(1 << 16);
  opWr = new Uint32Array(1 << 16);
  chReg = new Uint8Array(1 << 16);
  chVal = new Uint32Array(4 << 16);
  wrAddr = new Float64Array(1 << 15);
  wrSize = new Uint32Array(1 << 15);
  wrData = new Uint32Array(1 << 15);
  wrNew = new Uint32Array(1 << 15);
  wrStep = new Int32Array(1 << 15);
  wrOp = new Uint32Array(1 << 15);

  ensureOps(n: number): void {
    if (n < this.opKind.length) return;
    const size = Math.max(n + 1, this.opKind.length * 2);
    this.opKind = grow(this.opKind, size);
    this.opArg = grow(this.opArg, size);
    this.opPrev = grow(this.opPrev, size);
    this.opTid = grow(this.opTid, size);
    this.opCh = grow(this.opCh, size);
    this.opWr = grow(this.opWr, size);
  }

  ensureChanges(n: number): void {
    if (n < this.chReg.length) return;
    const size = Math.max(n + 1, this.chReg.length * 2);
    this.chReg = grow(this.chReg, size);
    this.chVal = grow(this.chVal, size * 4);
  }

  ensureWrites(n: number): void {
    if (n < this.wrAddr.length) return;
    const size = Math.max(n + 1, this.wrAddr.length * 2);
    this.wrAddr = grow(this.wrAddr, size);
    this.wrSize = grow(this.wrSize, size);
    this.wrData = grow(this.wrData, size);
    this.wrNew = grow(this.wrNew, size);
    this.wrStep = grow(this.wrStep, size);
    this.wrOp = grow(this.wrOp, size);
  }
}

function grow<T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a as never);
  return b;
}

const scratch = new Scratch();

/** Varint results: words of the last value read (a typed array, so the hot loop allocates nothing). */
const V = new Uint32Array(2);

/** Reads a LEB128 varint at pos into V; returns the position after it, or -1 (runs past end), -2 (too long). */
function varint(data: Uint8Array, pos: number, n: number): number {
  let lo = 0;
  let hi = 0;
  for (let i = 0, shift = 0; ; i++, shift += 7) {
    if (pos >= n) return -1;
    if (i === 10) return -2;
    const b = data[pos++]!;
    const bits = b & 0x7f;
    if (shift < 28) lo |= bits << shift;
    else if (shift === 28) {
      lo |= (bits & 0xf) << 28;
      hi |= bits >>> 4;
    } else hi |= bits << (shift - 32);
    if ((b & 0x80) === 0) break;
  }
  V[0] = lo;
  V[1] = hi;
  return pos;
}

/** Zigzag-decodes V in place into two's complement words. */
function unzig(): void {
  const lo = V[0]!;
  const hi = V[1]!;
  if (lo & 1) {
    V[0] = ~((lo >>> 1) | (hi << 31));
    V[1] = ~(hi >>> 1);
  } else {
    V[0] = (lo >>> 1) | (hi << 31);
    V[1] = hi >>> 1;
  }
}

/** base + the signed 64-bit value in V, for numbers that hold addresses (exact below 2^53). */
function addSigned(base: number): number {
  let v = base + (V[1]! | 0) * TWO32 + V[0]!;
  if (v < 0) v += 2 ** 64;
  else if (v >= 2 ** 64) v -= 2 ** 64;
  return v;
}

/** Reads `count` register changes of an os or switch record into the change arrays from index `at`. */
function osChanges(data: Uint8Array, pos: number, n: number, count: number, at: number, chReg: Uint8Array, chVal: Uint32Array, fail: (at: number, what: string) => never): number {
  for (let i = 0; i < count; i++) {
    if (pos >= n) fail(pos, 'record runs past the end of the segment data');
    const reg = data[pos++]!;
    if (reg >= TRACE_REGS) fail(pos - 1, `register number ${reg} out of range`);
    const k = (at + i) * 4;
    for (let half = 0; half < (reg >= V0_SLOT && reg <= V31_SLOT ? 2 : 1); half++) {
      const p = varint(data, pos, n);
      if (p < 0) fail(pos, p === -1 ? 'record runs past the end of the segment data' : 'varint longer than 10 bytes');
      pos = p;
      unzig();
      chVal[k + 2 * half] = V[0]!;
      chVal[k + 2 * half + 1] = V[1]!;
    }
    if (reg < V0_SLOT || reg > V31_SLOT) {
      chVal[k + 2] = 0;
      chVal[k + 3] = 0;
    }
    chReg[at + i] = reg;
  }
  return pos;
}

/** The pc after changes [from, to), which may move it (an OS record resuming a CONTEXT, a switch). */
function movedPc(pc: number, chReg: Uint8Array, chVal: Uint32Array, from: number, to: number): number {
  for (let c = from; c < to; c++) {
    if (chReg[c] !== PC_SLOT) continue;
    V[0] = chVal[c * 4]!;
    V[1] = chVal[c * 4 + 1]!;
    pc = addSigned(pc);
  }
  return pc;
}

function u64At(data: Uint8Array, pos: number): number {
  return (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16)) + data[pos + 3]! * 0x1000000 +
    ((data[pos + 4]! | (data[pos + 5]! << 8) | (data[pos + 6]! << 16)) + data[pos + 7]! * 0x1000000) * TWO32;
}

/**
 * Decodes segment `s` whose inflated stream is `data`. `file` and `offset` name the segment in errors: every
 * malformed byte is a TraceFormatError naming the file, the segment's offset and the byte in the stream.
 * With `borrow`, the op, change and write arrays are views of shared scratch space, valid until the next decode:
 * for one forward pass (the checker) that keeps nothing. The C twin (native-decode.ts) runs first when built;
 * `jsOnly` forces this TypeScript decoder, the reference the tests compare the native one with.
 */
export function decodeSegment(s: Segment, stream: Uint8Array, file: string, offset: number, borrow = false, jsOnly = false): DecodedSegment {
  // A plain Uint8Array view (zlib hands out Buffers, whose slice() shares memory): slices of it are copies.
  const data = new Uint8Array(stream.buffer, stream.byteOffset, stream.byteLength);
  const fail = (at: number, what: string): never => {
    throw new TraceFormatError(file, offset, `segment ${s.index} stream at byte ${at}: ${what}`);
  };
  const checked = (p: number, at: number): number => {
    if (p === -1) fail(at, 'record runs past the end of the segment data');
    if (p === -2) fail(at, 'varint longer than 10 bytes');
    return p;
  };
  const keyframe = new Map<number, RegWords>();
  for (const t of s.keyframe.threads) keyframe.set(t.tid, regFileFromBytes(t.regs));
  const keyTid = s.keyframe.currentTid;
  const pcs = new Map<number, number>();
  for (const [tid, r] of keyframe) pcs.set(tid, r[PC_SLOT * WORDS_PER_REG + 1]! * TWO32 + r[PC_SLOT * WORDS_PER_REG]!);
  if (!keyframe.has(keyTid)) {
    if (s.steps > 0 || stream.length > 0) fail(0, `keyframe has no registers for its current thread ${keyTid}`);
    keyframe.set(keyTid, regFileFromBytes(new Uint8Array(0)));
    pcs.set(keyTid, 0);
  }

  const steps = s.steps;
  const stepOp = new Uint32Array(steps);
  const stepTid = new Int32Array(steps);
  const stepPc = new Float64Array(steps);
  const stepNextPc = new Float64Array(steps);
  const S = scratch;
  const n = data.length;
  // Every op takes at least a byte, a register change two, a step's memory write four: reserve once.
  S.ensureOps(n + 1);
  S.ensureChanges((n >> 1) + 1);
  S.ensureWrites((n >> 2) + 1);
  const cut = <T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(a: T, end: number): T =>
    (borrow ? a.subarray(0, end) : a.slice(0, end)) as T;
  const finish = (ops: number, nch: number, nwr: number): DecodedSegment => ({
    index: s.index, firstStep: Number(s.firstStep), steps, keyframe, keyTid, events: s.events, data,
    opCount: ops,
    opKind: cut(S.opKind, ops), opArg: cut(S.opArg, ops), opPrev: cut(S.opPrev, ops), opTid: cut(S.opTid, ops),
    opCh: cut(S.opCh, ops + 1), opWr: cut(S.opWr, ops + 1),
    chReg: cut(S.chReg, nch), chVal: cut(S.chVal, nch * 4),
    wrAddr: cut(S.wrAddr, nwr), wrSize: cut(S.wrSize, nwr), wrData: cut(S.wrData, nwr), wrNew: cut(S.wrNew, nwr), wrStep: cut(S.wrStep, nwr), wrOp: cut(S.wrOp, nwr),
    stepOp, stepTid, stepPc, stepNextPc,
  });
  if (!jsOnly) {
    const r = decodeNative(data, steps, pcs, keyTid, S, stepOp, stepTid, stepPc, stepNextPc);
    if (r) return finish(r.ops, r.nch, r.nwr);
    // Malformed (or beyond the native capacities): the TypeScript decoder below names the defect exactly.
  }
  const opKind = S.opKind, opArg = S.opArg, opPrev = S.opPrev, opTid = S.opTid, opCh = S.opCh, opWr = S.opWr;
  const chReg = S.chReg, chVal = S.chVal;
  const wrAddr = S.wrAddr, wrSize = S.wrSize, wrData = S.wrData, wrNew = S.wrNew, wrStep = S.wrStep, wrOp = S.wrOp;
  // The segment's last step write at each address, for stores whose old bytes are elided.
  const lastAt = new Map<number, number>();
  let pos = 0;
  let ops = 0;
  let nch = 0;
  let nwr = 0;
  let step = 0;
  let tid = keyTid;
  let pc = pcs.get(tid)!;
  let lastWrite = 0;

  while (pos < n) {
    const tag = data[pos++]!;
    opCh[ops] = nch;
    opWr[ops] = nwr;
    opTid[ops] = tid;
    opPrev[ops] = 0;
    if (tag < 0x80) {
      if (step >= steps) fail(pos - 1, `more than the ${steps} steps the segment declares`);
      opKind[ops] = OP_STEP;
      opArg[ops] = step;
      stepOp[step] = ops++;
      stepTid[step] = tid;
      stepPc[step] = pc;
      const pcMode = tag & 3;
      let next = pc + 4;
      if (pcMode === 1) {
        pos = checked(varint(data, pos, n), pos);
        unzig();
        next = addSigned(next);
      } else if (pcMode === 2) {
        if (pos + 8 > n) fail(pos, 'record runs past the end of the segment data');
        next = u64At(data, pos);
        pos += 8;
      } else if (pcMode === 3) fail(pos - 1, 'invalid pc mode 3');
      let count = (tag >> 2) & 15;
      if (count === 15) {
        pos = checked(varint(data, pos, n), pos);
        count = V[0]!;
        if (V[1] !== 0 || count > TRACE_REGS) fail(pos, `step with ${count} register changes`);
      }
      for (let i = 0; i < count; i++) {
        if (pos >= n) fail(pos, 'record runs past the end of the segment data');
        const reg = data[pos++]!;
        if (reg >= TRACE_REGS) fail(pos - 1, `register number ${reg} out of range`);
        const k = nch * 4;
        const b = pos < n ? data[pos]! : 0x80;
        if (b < 0x80) {
          // One-byte zigzag varint, the common case: a small positive or negative delta.
          pos++;
          chVal[k] = (b & 1) ? ~(b >>> 1) : b >>> 1;
          chVal[k + 1] = (b & 1) ? 0xffffffff : 0;
        } else {
          pos = checked(varint(data, pos, n), pos);
          unzig();
          chVal[k] = V[0]!;
          chVal[k + 1] = V[1]!;
        }
        if (reg >= V0_SLOT && reg <= V31_SLOT) {
          pos = checked(varint(data, pos, n), pos);
          unzig();
          chVal[k + 2] = V[0]!;
          chVal[k + 3] = V[1]!;
        } else {
          chVal[k + 2] = 0;
          chVal[k + 3] = 0;
        }
        chReg[nch++] = reg;
      }
      if (tag & 0x40) {
        pos = checked(varint(data, pos, n), pos);
        const m = V[0]!;
        if (V[1] !== 0 || m > MAX_STEP_WRITES) fail(pos, `step with ${m} memory writes (at most ${MAX_STEP_WRITES})`);
        for (let i = 0; i < m; i++) {
          const b = pos < n ? data[pos]! : 0x80;
          if (b < 0x80) {
            pos++;
            lastWrite += (b & 1) ? -((b >>> 1) + 1) : b >>> 1;
          } else {
            pos = checked(varint(data, pos, n), pos);
            unzig();
            lastWrite = addSigned(lastWrite);
          }
          if (pos >= n) fail(pos, 'record runs past the end of the segment data');
          const sizeByte = data[pos++]!;
          const size = sizeByte & 0x7f;
          const elided = sizeByte >> 7;
          if (size === 0 || size > 16) fail(pos - 1, `memory write of ${size} bytes`);
          if (pos + (2 - elided) * size > n) fail(pos, 'record runs past the end of the segment data');
          if (elided) {
            const prev = lastAt.get(lastWrite);
            if (prev === undefined || wrSize[prev] !== size) fail(pos - 1, `store of ${size} bytes elides its old bytes, but the segment wrote no ${size} bytes at that address before`);
            wrData[nwr] = wrNew[prev!]!;
            wrNew[nwr] = pos;
          } else {
            wrData[nwr] = pos;
            wrNew[nwr] = pos + size;
          }
          lastAt.set(lastWrite, nwr);
          wrAddr[nwr] = lastWrite;
          wrSize[nwr] = size;
          wrStep[nwr] = step;
          wrOp[nwr] = ops - 1;
          nwr++;
          pos += (2 - elided) * size;
        }
      }
      stepNextPc[step] = next;
      pc = next;
      step++;
      continue;
    }
    if (tag === 0x80) {
      opKind[ops] = OP_OS;
      opArg[ops++] = 0;
      pos = checked(varint(data, pos, n), pos);
      const count = V[0]!;
      if (V[1] !== 0 || count > TRACE_REGS) fail(pos, `OS record with ${count} register changes`);
      pos = osChanges(data, pos, n, count, nch, chReg, chVal, fail);
      nch += count;
      pc = movedPc(pc, chReg, chVal, nch - count, nch);
      continue;
    }
    if (tag === 0x82) {
      pos = checked(varint(data, pos, n), pos);
      const next = V[0]!;
      if (V[1] !== 0) fail(pos, 'thread id out of range');
      opKind[ops] = OP_SWITCH;
      opPrev[ops] = tid;
      opTid[ops] = next;
      opArg[ops++] = next;
      pcs.set(tid, pc);
      tid = next;
      pc = pcs.get(tid) ?? 0;
      pos = checked(varint(data, pos, n), pos);
      const count = V[0]!;
      if (V[1] !== 0 || count > TRACE_REGS) fail(pos, `switch record with ${count} register changes`);
      pos = osChanges(data, pos, n, count, nch, chReg, chVal, fail);
      nch += count;
      pc = movedPc(pc, chReg, chVal, nch - count, nch);
      continue;
    }
    if (tag === 0x81) {
      if (pos + 8 > n) fail(pos, 'record runs past the end of the segment data');
      const address = u64At(data, pos);
      pos += 8;
      pos = checked(varint(data, pos, n), pos);
      const size = V[0]!;
      if (V[1] !== 0 || size > MAX_OS_WRITE) fail(pos, `OS write of ${size} bytes`);
      if (pos + 2 * size > n) fail(pos, 'record runs past the end of the segment data');
      opKind[ops] = OP_OS_WRITE;
      opArg[ops++] = nwr;
      wrAddr[nwr] = address;
      wrSize[nwr] = size;
      wrData[nwr] = pos;
      wrNew[nwr] = pos + size;
      wrStep[nwr] = -1;
      wrOp[nwr] = ops - 1;
      nwr++;
      pos += 2 * size;
      continue;
    }
    fail(pos - 1, `unknown record tag 0x${tag.toString(16)}`);
  }
  if (step !== steps) throw new TraceFormatError(file, offset, `segment ${s.index} declares ${steps} steps but its stream holds ${step}`);
  opCh[ops] = nch;
  opWr[ops] = nwr;
  return finish(ops, nch, nwr);
}
