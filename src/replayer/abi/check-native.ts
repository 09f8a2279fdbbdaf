// The ABI checker's pass in C (native/decode.c, wt_check_*): it reads each segment's step stream itself, keeps
// only the registers the rules read, and returns notes where a rule may fire or a callee-saved span opens or
// closes; this file turns the notes into the same violations and mismatches the TypeScript pass (check.ts,
// checkPassJs, the reference) finds. Without the built library, or with WINTRACE_JS_DECODER=1, check.ts uses
// the TypeScript pass.

import koffi from 'koffi';
import { TraceFormatError } from '../../errors.ts';
import { decodeSegment } from '../decode.ts';
import { nativeDecoderAvailable, nativeLibrary } from '../native-decode.ts';
import { newRegFile, type RegWords, WORDS_PER_REG } from '../regfile.ts';
import type { Trace } from '../trace.ts';
import { type Segment, TRACE_REGS } from '../../trace/schema.ts';
import { callbackSpan, type PassContext, type Span, stdcallSpan } from './check.ts';

/** Trace slots the C pass keeps, in its order (decode.c KIDX): X18, X19-X29, LR, SP, D8-D15. */
const KEPT_SLOTS = [18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 42, 43, 44, 45, 46, 47, 48, 49] as const;
const NOTE_WORDS = 10;
const SLOT_BYTES = 16;
const REGS_BYTES = TRACE_REGS * SLOT_BYTES;
const N = { close: 1, openCallback: 2, threadReturn: 3, openStdcall: 4, x18: 5, sp: 6, teb: 7, spWindows: 8, tebBack: 9 } as const;
const E_MALFORMED = -1;

interface CheckLib {
  create(opts: Float64Array, x18Writers: Float64Array, n: number): unknown;
  free(h: unknown): void;
  teb(h: unknown, tid: number, lo: number, hi: number): void;
  segment(h: unknown, d: Uint8Array, n: number, meta: Uint32Array, tids: Int32Array, regs: Uint8Array): number;
  take(h: unknown, notes: Uint32Array, pcs: Float64Array, snaps: Uint32Array): void;
}

let lib: CheckLib | undefined;

function load(): CheckLib {
  if (lib) return lib;
  const l = nativeLibrary();
  if (!l) throw new Error('the native ABI checker is not built (scripts/build-native.sh), or WINTRACE_JS_DECODER=1 turned it off');
  // The C state is opaque here: a pointer the calls pass back.
  koffi.opaque('wt_check');
  lib = {
    create: l.func('wt_check *wt_check_new(const double *opts, const double *x18_writers, uint32_t nx18)') as CheckLib['create'],
    free: l.func('void wt_check_free(wt_check *h)') as CheckLib['free'],
    teb: l.func('void wt_check_teb(wt_check *h, int32_t tid, uint32_t lo, uint32_t hi)') as CheckLib['teb'],
    segment: l.func('int wt_check_segment(wt_check *h, const uint8_t *d, uint32_t n, _Inout_ uint32_t *meta, const int32_t *tids, const uint8_t *regs)') as CheckLib['segment'],
    take: l.func('void wt_check_take(wt_check *h, _Out_ uint32_t *notes, _Out_ double *pcs, _Out_ uint32_t *snaps)') as CheckLib['take'],
  };
  return lib;
}

/** Is the C pass usable (the native library built, WINTRACE_JS_DECODER not set)? */
export function nativeCheckAvailable(): boolean {
  return nativeDecoderAvailable();
}

/** Runs the C pass over every segment, filling ctx as checkPassJs does; returns the steps checked. */
export function checkPassNative(trace: Trace, ctx: PassContext, onProgress?: (done: number, total: number) => void): number {
  const pass = new NativePass(trace, ctx, onProgress);
  try {
    for (const s of trace.frames()) pass.segment(s);
    return pass.done;
  } finally {
    pass.free();
  }
}

/** checkPassNative, reading ahead: the next segments decompress on a worker thread while the C pass runs. */
export async function checkPassNativeAsync(trace: Trace, ctx: PassContext, onProgress?: (done: number, total: number) => void): Promise<number> {
  const pass = new NativePass(trace, ctx, onProgress);
  try {
    for await (const s of trace.framesAhead()) pass.segment(s);
    return pass.done;
  } finally {
    pass.free();
  }
}

/** The C state of one pass, fed segment by segment in order. */
class NativePass {
  private readonly c = load();
  private readonly h: unknown;
  private readonly open = new Map<number, Span>();
  private readonly meta = new Uint32Array(6);
  done = 0;

  constructor(private readonly trace: Trace, private readonly ctx: PassContext, private readonly onProgress?: (done: number, total: number) => void) {
    const writers = Float64Array.from([...ctx.x18Writers].sort((a, b) => a - b));
    const opts = Float64Array.of(+ctx.wantX18, +ctx.wantSp, +ctx.wantTeb, +ctx.wantCallee, ctx.cbLo, ctx.cbHi, ctx.cbEntrySize, ctx.stdcallBlr, ctx.threadReturn);
    this.h = this.c.create(opts, writers, writers.length);
    if (!this.h) throw new Error('the native ABI checker could not allocate its state');
    for (const [tid, teb] of ctx.teb) this.setTeb(tid, teb);
  }

  free(): void {
    this.c.free(this.h);
  }

  private setTeb(tid: number, teb: number): void {
    this.c.teb(this.h, tid, teb % 0x1_0000_0000, Math.floor(teb / 0x1_0000_0000));
  }

  segment(s: Segment): void {
    const { trace, ctx, c, h, meta } = this;
    ctx.segmentEvents(s.events);
    for (const e of s.events) if (e.kind === 'thread-created') this.setTeb(e.newTid, ctx.teb.get(e.newTid)!);
    const threads = s.keyframe.threads;
    const keyTid = s.keyframe.currentTid;
    const entry = trace.entries[s.index]!;
    // A keyframe without its running thread: the TypeScript decoder names the defect.
    if (!threads.some((t) => t.tid === keyTid) && (s.steps > 0 || s.data.length > 0)) decodeSegment(s, s.data, trace.path, entry.offset, true, true);
    const tids = new Int32Array(threads.length);
    const regs = new Uint8Array(threads.length * REGS_BYTES);
    threads.forEach((t, i) => {
      tids[i] = t.tid;
      regs.set(t.regs.subarray(0, REGS_BYTES), i * REGS_BYTES);
    });
    meta.fill(0);
    meta[0] = s.steps;
    meta[1] = threads.length;
    meta[2] = keyTid >>> 0;
    const rc = c.segment(h, s.data, s.data.length, meta, tids, regs);
    if (rc === E_MALFORMED) {
      decodeSegment(s, s.data, trace.path, entry.offset, true, true);
      throw new TraceFormatError(trace.path, entry.offset, `segment ${s.index} stream at byte ${meta[5]}: malformed (the TypeScript decoder accepts it; report this)`);
    }
    if (rc !== 0) throw new Error(`the native ABI checker ran out of memory in segment ${s.index}`);
    if (meta[3]! > 0) notes(trace, ctx, this.open, s.index, Number(s.firstStep), c, h, meta[3]!, meta[4]!);
    this.done += s.steps;
    this.onProgress?.(this.done, trace.totalSteps);
  }
}

/** Turns one segment's notes into findings, in the order the pass met them. */
function notes(trace: Trace, ctx: PassContext, open: Map<number, Span>, index: number, firstStep: number, c: CheckLib, h: unknown, count: number, snapCount: number): void {
  const w = new Uint32Array(count * NOTE_WORDS);
  const pcs = new Float64Array(count);
  const snaps = new Uint32Array(snapCount * KEPT_SLOTS.length * 2);
  c.take(h, w, pcs, snaps);
  const regsOf = (k: number): RegWords => {
    const r = newRegFile();
    const at = (w[k * NOTE_WORDS + 9]! - 1) * KEPT_SLOTS.length * 2;
    KEPT_SLOTS.forEach((slot, i) => {
      r[slot * WORDS_PER_REG] = snaps[at + 2 * i]!;
      r[slot * WORDS_PER_REG + 1] = snaps[at + 2 * i + 1]!;
    });
    return r;
  };
  const u64 = (k: number, at: number) => (BigInt(w[k * NOTE_WORDS + at + 1]!) << 32n) | BigInt(w[k * NOTE_WORDS + at]!);
  for (let k = 0; k < count; k++) {
    const b = k * NOTE_WORDS;
    const kind = w[b]!;
    const position = firstStep + w[b + 1]!;
    const tid = w[b + 2]! | 0;
    const pc = pcs[k]!;
    switch (kind) {
      case N.close: {
        const span = open.get(w[b + 3]!);
        if (!span) throw new Error(`native ABI checker: segment ${index} closes span ${w[b + 3]} it never opened`);
        open.delete(w[b + 3]!);
        ctx.close(span, regsOf(k), position, pc);
        break;
      }
      case N.openCallback:
        open.set(w[b + 3]!, callbackSpan(trace, tid, position, regsOf(k), pc));
        break;
      case N.threadReturn: {
        const span = ctx.threadSpan(tid);
        if (span) ctx.close(span, regsOf(k), position, pc);
        break;
      }
      case N.openStdcall:
        open.set(w[b + 3]!, stdcallSpan(trace, tid, position, regsOf(k), pc));
        break;
      case N.x18:
        ctx.x18Write(position, tid, pc, u64(k, 4), u64(k, 6), w[b + 8] === 1);
        break;
      case N.sp:
        ctx.spByProgram(position, tid, pc, u64(k, 4), u64(k, 6));
        break;
      case N.teb:
        ctx.tebByWindows(position, tid, ctx.teb.get(tid)!, u64(k, 6), w[b + 8] === 1);
        break;
      case N.spWindows:
        ctx.spByWindows(position, tid, w[b + 4]!, u64(k, 6));
        break;
      case N.tebBack:
        ctx.tebRestoredByWindows(position, tid);
        break;
      default:
        throw new Error(`native ABI checker: unknown note kind ${kind} in segment ${index}`);
    }
  }
}
