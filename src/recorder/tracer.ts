// Binding of native/trace.c: attaches the C step hooks to a Unicorn engine and hands the host the bytes they
// produced. Per instruction nothing crosses into JavaScript; the host drains at segment boundaries.

import koffi from 'koffi';
import type { UnicornEngine } from './engine/unicorn.ts';
import { loadNative } from './engine/native.ts';
import { loadUnicorn } from './engine/unicorn-ffi.ts';

/** u64 fields at the start of struct wt_tracer. */
const PAGE_SET = 8192;
/** u64 words of the written-words Bloom filter (native/trace.c WORD_BLOOM_WORDS). */
export const WORD_BLOOM_WORDS = 128;
/** u64 words of the filter of bytes written by stores covering part of a word (native/trace.c BYTE_BLOOM_WORDS). */
export const BYTE_BLOOM_WORDS = 32;
const F = { steps: 0, used: 1, capacity: 2, highWater: 3, paused: 4, regmask: 5, npages: 7, overflow: 8, pages: 9, switchmask: 9 + PAGE_SET, bloom: 11 + PAGE_SET, direct: 11 + PAGE_SET + WORD_BLOOM_WORDS, recording: 12 + PAGE_SET + WORD_BLOOM_WORDS, callsOpen: 13 + PAGE_SET + WORD_BLOOM_WORDS, callsUnret: 14 + PAGE_SET + WORD_BLOOM_WORDS, lines: 15 + PAGE_SET + WORD_BLOOM_WORDS, byteBloom: 15 + 2 * PAGE_SET + WORD_BLOOM_WORDS } as const;

interface TraceLib {
  attach(uc: unknown, t: unknown, buf: unknown, counter: unknown, codeHook: Array<number | bigint>, writeHook: Array<number | bigint>): number;
  resync(t: unknown): void;
  osWrite(t: unknown, address: bigint, size: number, old: Uint8Array, data: Uint8Array): void;
  rebase(t: unknown): void;
  switchTo(t: unknown, tid: number, prev: Uint8Array): void;
  detach(t: unknown): void;
  pause(t: unknown): void;
  resume(t: unknown): void;
  clearIndex(t: unknown): void;
  regs(t: unknown, out: Uint8Array): void;
  size(): number | bigint;
  hostBlock(t: unknown, base: bigint, host: bigint): number;
}

let lib: TraceLib | undefined;
function traceLib(): TraceLib {
  if (!lib) {
    const l = loadNative('trace');
    lib = {
      attach: l.func('int wt_trace_attach(void *uc, void *t, void *buf, void *counter, _Out_ size_t *code_hook, _Out_ size_t *write_hook)'),
      resync: l.func('void wt_trace_resync(void *t)'),
      osWrite: l.func('void wt_trace_os_write(void *t, uint64_t address, uint32_t size, const void *old, const void *new_)'),
      rebase: l.func('void wt_trace_rebase(void *t)'),
      switchTo: l.func('void wt_trace_switch(void *t, uint32_t tid, const void *prev)'),
      detach: l.func('void wt_trace_detach(void *t)'),
      pause: l.func('void wt_trace_pause(void *t)'),
      resume: l.func('void wt_trace_resume(void *t)'),
      clearIndex: l.func('void wt_trace_clear_index(void *t)'),
      regs: l.func('void wt_trace_regs(void *t, _Out_ uint8_t *out)'),
      size: l.func('uint64_t wt_trace_size(void)'),
      hostBlock: l.func('int wt_trace_host_block(void *t, uint64_t base, uint64_t host)'),
    };
  }
  return lib;
}

export class Tracer {
  private readonly mem: unknown;
  private readonly buf: unknown;
  private readonly fields: BigUint64Array;
  /** The page set as u32 words: read per segment without a BigInt per slot (it was the top JS frame). */
  private readonly pageWords: Uint32Array;
  /** Per slot of the page set, its 64-byte lines written, as u32 words (low, high). */
  private readonly lineWords: Uint32Array;
  private readonly bytes: Uint8Array;

  constructor(private readonly engine: UnicornEngine, capacity = 64 * 1024 * 1024) {
    const bytes = Number(traceLib().size());
    this.mem = koffi.alloc('uint8_t', bytes);
    this.fields = new BigUint64Array(koffi.view(this.mem, bytes), 0, F.byteBloom + BYTE_BLOOM_WORDS);
    this.pageWords = new Uint32Array(koffi.view(this.mem, bytes), F.pages * 8, PAGE_SET * 2);
    this.lineWords = new Uint32Array(koffi.view(this.mem, bytes), F.lines * 8, PAGE_SET * 2);
    new Uint8Array(koffi.view(this.mem, bytes)).fill(0);
    this.buf = koffi.alloc('uint8_t', capacity);
    this.bytes = new Uint8Array(koffi.view(this.buf, capacity));
    this.fields[F.capacity] = BigInt(capacity);
    // Leave room for the largest step (~3 KiB) and OS records written before the next drain.
    this.fields[F.highWater] = BigInt(capacity - 4 * 1024 * 1024);
    const { uc, counter } = engine.nativeHandles();
    const h1: Array<number | bigint> = [0];
    const h2: Array<number | bigint> = [0];
    const err = traceLib().attach(uc, this.mem, this.buf, counter, h1, h2);
    if (err !== 0) throw new Error(`wt_trace_attach failed: uc_err ${err}`);
    // Attached after --start-at, the hooks would miss every block translated before: those instructions would
    // vanish from the trace, their effects merged into the next recorded step. Before the first instruction there
    // is nothing to drop, and the flush is not free: Unicorn 2.0.1's tb flush touches its whole 1 GiB code buffer
    // (measured: +1 GiB RSS and ~0.5 s, the whole header time of a small program).
    if (engine.executed > 0n) engine.flushTranslations();
    this.hooks = [h1[0]!, h2[0]!];
    engine.suspendCounter();
    // WINTRACE_NO_HOST_READ=1 reads old bytes through uc_mem_read, to measure the difference (bench traced).
    if (process.env.WINTRACE_NO_HOST_READ !== '1') {
      const announce = (base: bigint, host: bigint) => traceLib().hostBlock(this.mem, base, host);
      for (const [base, host] of engine.hostBlocks(announce)) announce(base, host);
    }
  }

  private readonly hooks: Array<number | bigint>;

  /**
   * What steps changed since the last call: the register mask, the pages written (undefined when more pages
   * were written than the native set holds, so the index must say "unknown") with, for each, the mask of its
   * 64-byte lines written as two u32 words in `lines` (low, high; bit k = bytes 64k to 64k + 63), and the calls
   * still open and the returns to no call among these steps (`calls`: [open, unreturned]). Clears them all.
   */
  takeIndex(): { regMask: bigint; pages: number[] | undefined; lines: number[]; calls: [number, number] } {
    const f = this.fields;
    const regMask = f[F.regmask]! | (f[F.regmask + 1]! << 64n);
    let pages: number[] | undefined;
    const lines: number[] = [];
    if (f[F.overflow] === 0n) {
      const slots: number[] = [];
      const w = this.pageWords;
      const n = Number(f[F.npages]!);
      for (let i = 0; i < PAGE_SET && slots.length < n; i++) if (w[2 * i] !== 0 || w[2 * i + 1] !== 0) slots.push(i);
      const page = (i: number) => w[2 * i + 1]! * 0x1_0000_0000 + w[2 * i]! - 1;
      slots.sort((a, b) => page(a) - page(b));
      pages = slots.map(page);
      for (const i of slots) lines.push(this.lineWords[2 * i]!, this.lineWords[2 * i + 1]!);
    }
    const calls: [number, number] = [Number(f[F.callsOpen]!), Number(f[F.callsUnret]!)];
    traceLib().clearIndex(this.mem);
    return { regMask, pages, lines, calls };
  }

  /** The Bloom filter of bytes written by stores to part of a word since the last call; clears it. */
  takeByteBloom(): Uint8Array {
    return this.takeFilter(F.byteBloom, BYTE_BLOOM_WORDS);
  }

  /** The Bloom filter of 8-byte words written since the last call (steps and the emulated Windows); clears it. */
  takeWordBloom(): Uint8Array {
    return this.takeFilter(F.bloom, WORD_BLOOM_WORDS);
  }

  /** A copy of the `words` u64 fields from `field` on, as bytes; clears them. */
  private takeFilter(field: number, words: number): Uint8Array {
    const f = this.fields.subarray(field, field + words);
    const out = new Uint8Array(new BigUint64Array(f).buffer);
    f.fill(0n);
    return out;
  }

  /** Settles the step in progress and records registers the emulated Windows changed. */
  resync(): void {
    traceLib().resync(this.mem);
    if (this.fields[F.direct] === 2n) {
      throw new Error('native tracer: a register read from Unicorn\'s CPU state disagreed with uc_reg_read; record again with WINTRACE_NO_DIRECT=1');
    }
  }

  /**
   * Whether the hook reads registers straight from Unicorn's CPU state (found and checked against uc_reg_read
   * when attached; WINTRACE_NO_DIRECT=1 turns it off) rather than through uc_reg_read.
   */
  get direct(): boolean {
    return this.fields[F.direct] === 1n;
  }

  /**
   * Records that thread `tid` is now on the CPU. `prev` is that thread's register file (packRegs layout) as the
   * trace last knew it; the engine already holds its current registers. Call resync() for the outgoing thread
   * before its registers leave the engine. Returns the registers that differ from `prev` (slot bit mask).
   */
  switchTo(tid: number, prev: Uint8Array): bigint {
    this.ensureRoom(8 + 68 * 21);
    traceLib().switchTo(this.mem, tid, prev);
    return this.fields[F.switchmask]! | (this.fields[F.switchmask + 1]! << 64n);
  }

  /** Records a guest-memory write made by the emulated Windows (old contents read before the write). */
  osWrite(address: bigint, old: Uint8Array, data: Uint8Array): void {
    this.ensureRoom(old.length * 2 + 16);
    traceLib().osWrite(this.mem, address, old.length, old, data);
  }

  private ensureRoom(n: number): void {
    if (Number(this.fields[F.used]!) + n > Number(this.fields[F.capacity]!)) {
      throw new Error('trace buffer overflow: an OS write larger than the buffer between two drains');
    }
  }

  /** Steps recorded since attach. */
  get steps(): bigint {
    return this.fields[F.steps]!;
  }

  get used(): number {
    return Number(this.fields[F.used]!);
  }

  /** Copies out and clears the buffer; then deltas restart from the current registers (a segment boundary). */
  drain(rebase: boolean): Uint8Array {
    const n = this.used;
    const out = this.bytes.slice(0, n);
    this.fields[F.used] = 0n;
    this.fields[F.paused] = 0n;
    if (rebase) traceLib().rebase(this.mem);
    return out;
  }

  /**
   * The running thread's registers as a trace register file, from the hook's shadow copy: what the engine holds
   * right after drain(true) (which re-reads every register), without reading them again through JS.
   */
  regsAfterRebase(): Uint8Array {
    const out = new Uint8Array(68 * 16);
    traceLib().regs(this.mem, out);
    return out;
  }

  /**
   * Stops recording and keeps the hooks attached, counting instructions (record --jobs between a worker's shares):
   * attaching again later would cost a flush of every translated block. Drain the buffer first.
   */
  pause(): void {
    traceLib().pause(this.mem);
  }

  /** Records again from the engine's state now, as a tracer attached here would (regsAfterRebase holds it). */
  resume(): void {
    traceLib().resume(this.mem);
  }

  /** Removes the hooks and gives instruction counting back to the engine's counter. */
  detach(): void {
    const { uc } = this.engine.nativeHandles();
    this.engine.resumeCounter();
    for (const h of this.hooks) loadUnicorn().uc_hook_del(uc, h);
    this.engine.hostBlocks(undefined);
    traceLib().detach(this.mem);
  }

  free(): void {
    koffi.free(this.buf);
    koffi.free(this.mem);
  }
}
