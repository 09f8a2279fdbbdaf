// Builds small trace files with known contents for replayer tests: a script of steps, OS actions, thread
// switches and events is simulated (registers per thread, memory) and written in the real format with the real
// TraceWriter, in segments as small as the test wants. The step stream is encoded here independently of
// native/trace.c, following docs/trace-format.md.

import { packRegs } from '../../src/trace/codec.ts';
import {
  FORMAT_VERSION, type MemoryRegion, type Segment, type TraceEvent, type TraceHeader, type TraceStub, type TraceSymbol, TRACE_REGS,
} from '../../src/trace/schema.ts';
import { TraceWriter } from '../../src/trace/writer.ts';

const MASK = (1n << 64n) - 1n;
const V0 = 34;

export interface ThreadSpec {
  tid: number;
  teb: bigint;
  stackBase: bigint;
  stackLimit: bigint;
  regs?: Partial<Record<number, bigint>>;
}

type Regs = bigint[];

class Bytes {
  private out: number[] = [];
  u8(v: number): void {
    this.out.push(v & 0xff);
  }
  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.out.push(Number(x));
  }
  svarint(v: bigint): void {
    const s = BigInt.asIntN(64, v);
    this.varint(BigInt.asUintN(64, (s << 1n) ^ (s >> 63n)));
  }
  u64(v: bigint): void {
    for (let i = 0n; i < 8n; i++) this.out.push(Number((v >> (8n * i)) & 0xffn));
  }
  bytes(b: Uint8Array): void {
    for (const x of b) this.out.push(x);
  }
  get length(): number {
    return this.out.length;
  }
  take(): Uint8Array {
    const b = Uint8Array.from(this.out);
    this.out = [];
    return b;
  }
}

/** An event without its position (the builder stamps the current one); Omit distributed over the union. */
export type EventSpec = TraceEvent extends infer E ? (E extends TraceEvent ? Omit<E, 'step'> : never) : never;

export interface StepSpec {
  /** Register changes by trace slot. */
  set?: Partial<Record<number, bigint>>;
  /** Memory the instruction stores (at most 16 bytes per write). */
  write?: Array<{ address: bigint; bytes: Uint8Array }>;
  /** pc after the step (default: pc + 4). */
  next?: bigint;
}

export class SyntheticTrace {
  private regs = new Map<number, Regs>();
  private cur: number;
  private mem = new Map<bigint, number>();
  private stream = new Bytes();
  private segments: Segment[] = [];
  private events: TraceEvent[] = [];
  private keyframe: Segment['keyframe'];
  private segStart = 0;
  private steps = 0;
  private lastWrite = 0n;
  private regsChanged = new Map<number, bigint>();
  private pages = new Set<number>();
  private switches: Array<[number, number]> = [];
  /** Each thread's registers as the segment last knew them (switch records are relative to these). */
  private known = new Map<number, Regs>();
  readonly header: TraceHeader;
  private readonly stored: boolean;

  constructor(opts: {
    threads: ThreadSpec[];
    symbols?: TraceSymbol[];
    stubs?: TraceStub[];
    regions?: MemoryRegion[];
    segmentSteps?: number;
    /** Store frames uncompressed (codec byte 0), so byte mutations of the file hit the msgpack and the step streams. */
    storedStreams?: boolean;
  }, private readonly segmentSteps = opts.segmentSteps ?? 4) {
    this.stored = opts.storedStreams ?? false;
    for (const t of opts.threads) {
      const r: Regs = new Array<bigint>(TRACE_REGS).fill(0n);
      for (const [k, v] of Object.entries(t.regs ?? {})) r[Number(k)] = v!;
      this.regs.set(t.tid, r);
    }
    this.cur = opts.threads[0]!.tid;
    for (const region of opts.regions ?? []) {
      for (const [off, b] of region.pages) b.forEach((x, i) => this.mem.set(region.base + BigInt(off + i), x));
    }
    this.header = {
      formatVersion: FORMAT_VERSION, wintraceVersion: 'test', program: { name: 'synthetic.exe', sha256: '0'.repeat(64), size: 0 },
      commandLine: 'synthetic.exe', options: {}, segmentSteps: this.segmentSteps, firstStep: 0n,
      symbols: opts.symbols ?? [], stubs: opts.stubs ?? [], regions: opts.regions ?? [],
      threads: opts.threads.map((t) => ({ tid: t.tid, regs: packRegs(this.regs.get(t.tid)!), teb: t.teb, stackBase: t.stackBase, stackLimit: t.stackLimit })),
      currentTid: this.cur, events: [],
    };
    this.keyframe = { currentTid: this.cur, threads: this.header.threads };
    this.known = new Map([...this.regs].map(([k, v]) => [k, [...v]]));
  }

  get position(): number {
    return this.steps;
  }

  get tid(): number {
    return this.cur;
  }

  reg(slot: number, tid = this.cur): bigint {
    return this.regs.get(tid)![slot]!;
  }

  /** The running thread's whole register file, packed as events carry it. */
  regFile(tid = this.cur): Uint8Array {
    return packRegs(this.regs.get(tid)!);
  }

  readMem(address: bigint, n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.mem.get(address + BigInt(i)) ?? 0;
    return b;
  }

  private mark(tid: number, slot: number): void {
    this.regsChanged.set(tid, (this.regsChanged.get(tid) ?? 0n) | (1n << BigInt(slot)));
  }

  private change(out: Bytes, r: Regs, slot: number, value: bigint, tid: number): void {
    out.u8(slot);
    const old = r[slot]!;
    if (slot >= V0 && slot < V0 + 32) {
      out.svarint(((value & MASK) - (old & MASK)) & MASK);
      out.svarint(((value >> 64n) - (old >> 64n)) & MASK);
    } else out.svarint((value - old) & MASK);
    r[slot] = value;
    this.mark(tid, slot);
  }

  step(s: StepSpec = {}): void {
    const r = this.regs.get(this.cur)!;
    const pc = r[32]!;
    const next = s.next ?? pc + 4n;
    const body = new Bytes();
    let tag = 0;
    if (next !== pc + 4n) {
      const d = BigInt.asIntN(64, next - (pc + 4n));
      if (d > -(1n << 20n) && d < 1n << 20n) {
        tag |= 1;
        body.svarint(d);
      } else {
        tag |= 2;
        body.u64(next);
      }
    }
    const changes = Object.entries(s.set ?? {}).filter(([k, v]) => r[Number(k)] !== v);
    if (changes.length >= 15) throw new Error('synthetic steps change at most 14 registers');
    tag |= changes.length << 2;
    for (const [k, v] of changes) this.change(body, r, Number(k), v!, this.cur);
    r[32] = next;
    if (s.write?.length) {
      tag |= 0x40;
      body.varint(BigInt(s.write.length));
      for (const w of s.write) {
        body.svarint(w.address - this.lastWrite);
        this.lastWrite = w.address;
        body.u8(w.bytes.length);
        body.bytes(this.readMem(w.address, w.bytes.length));
        body.bytes(w.bytes);
        this.store(w.address, w.bytes);
      }
    }
    this.stream.u8(tag);
    this.stream.bytes(body.take());
    this.steps++;
    if (this.steps - this.segStart >= this.segmentSteps) this.endSegment(true);
  }

  /** Register changes by the emulated Windows (an API result, a dispatch). */
  os(set: Partial<Record<number, bigint>>): void {
    const r = this.regs.get(this.cur)!;
    const changes = Object.entries(set).filter(([k, v]) => r[Number(k)] !== v);
    if (changes.length === 0) return;
    const body = new Bytes();
    for (const [k, v] of changes) this.change(body, r, Number(k), v!, this.cur);
    this.stream.u8(0x80);
    this.stream.varint(BigInt(changes.length));
    this.stream.bytes(body.take());
  }

  osWrite(address: bigint, bytes: Uint8Array): void {
    this.stream.u8(0x81);
    this.stream.u64(address);
    this.stream.varint(BigInt(bytes.length));
    this.stream.bytes(this.readMem(address, bytes.length));
    this.stream.bytes(bytes);
    this.store(address, bytes);
  }

  /** Puts `tid` on the CPU; `set` is what the emulated Windows changed while it was off the CPU. */
  switchTo(tid: number, set: Partial<Record<number, bigint>> = {}, newThread?: ThreadSpec): void {
    this.known.set(this.cur, [...this.regs.get(this.cur)!]);
    if (newThread) this.regs.set(tid, new Array<bigint>(TRACE_REGS).fill(0n));
    const r = this.regs.get(tid)!;
    if (newThread) for (const [k, v] of Object.entries(newThread.regs ?? {})) set[Number(k)] = v!;
    // Relative to what the segment knows of the thread (zero for one it has never seen).
    const base = this.known.get(tid) ?? new Array<bigint>(TRACE_REGS).fill(0n);
    const target = [...r];
    for (const [k, v] of Object.entries(set)) target[Number(k)] = v!;
    const body = new Bytes();
    let n = 0;
    const tmp = [...base];
    for (let slot = 0; slot < TRACE_REGS; slot++) {
      if (tmp[slot] === target[slot]) continue;
      this.change(body, tmp, slot, target[slot]!, tid);
      n++;
    }
    this.regs.set(tid, target);
    this.stream.u8(0x82);
    this.stream.varint(BigInt(tid));
    this.stream.varint(BigInt(n));
    this.stream.bytes(body.take());
    this.switches.push([this.steps - this.segStart, tid]);
    this.cur = tid;
  }

  event(e: EventSpec): void {
    this.events.push({ step: BigInt(this.steps), ...e } as TraceEvent);
  }

  private store(address: bigint, bytes: Uint8Array): void {
    bytes.forEach((x, i) => this.mem.set(address + BigInt(i), x));
    for (let a = address >> 12n; a <= (address + BigInt(bytes.length) - 1n) >> 12n; a++) this.pages.add(Number(a));
  }

  private endSegment(next: boolean): void {
    const data = this.stream.take();
    const steps = this.steps - this.segStart;
    if (steps > 0 || this.events.length > 0 || data.length > 0) {
      this.segments.push({
        index: this.segments.length, firstStep: BigInt(this.segStart), steps, keyframe: this.keyframe,
        data, events: this.events, switches: this.switches,
        idx: {
          regsChanged: [...this.regsChanged].map(([t, m]) => [t, m & MASK, m >> 64n] as [number, bigint, bigint]),
          pagesWritten: [...this.pages].sort((a, b) => a - b),
        },
      });
    }
    this.events = [];
    this.switches = [];
    this.regsChanged = new Map();
    this.pages = new Set();
    this.lastWrite = 0n;
    this.segStart = this.steps;
    if (next) {
      this.keyframe = {
        currentTid: this.cur,
        threads: [...this.regs].map(([tid, r]) => {
          const t = this.header.threads.find((x) => x.tid === tid);
          return { tid, regs: packRegs(r), teb: t?.teb ?? 0n, stackBase: t?.stackBase ?? 0n, stackLimit: t?.stackLimit ?? 0n };
        }),
      };
      this.known = new Map([...this.regs].map(([k, v]) => [k, [...v]]));
    }
  }

  /**
   * Writes the trace; `complete: false` leaves out the footer (a recording that was killed). `footer` sets what
   * the footer says beyond the steps: why the run ended and the stubs placed during it (default: the header's).
   */
  write(path: string, complete = true, footer: { endReason?: string; stubs?: TraceStub[] } = {}): void {
    this.endSegment(false);
    const w = new TraceWriter(path, { stored: this.stored });
    w.writeHeader(this.header);
    const entries = this.segments.map((s) => ({ offset: w.writeSegment(s), firstStep: s.firstStep, steps: s.steps, regsChanged: s.idx.regsChanged, pagesWritten: s.idx.pagesWritten }));
    if (!complete) {
      w.close();
      return;
    }
    w.finish({
      segments: entries, totalSteps: BigInt(this.steps), stubs: footer.stubs ?? this.header.stubs,
      summary: { instructions: BigInt(this.steps), threads: this.regs.size, exceptions: 0, apiCalls: 0, exitCode: 0, endReason: footer.endReason ?? 'exit' },
    });
  }
}

/** Little-endian instruction words as a code page for a region. */
export function codeRegion(base: bigint, words: number[]): MemoryRegion {
  const page = new Uint8Array(4096);
  const v = new DataView(page.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return { base, size: 4096, prot: 'r-x', pages: [[0, page]] };
}

export const A64 = {
  nop: 0xd503201f,
  ret: 0xd65f03c0,
  /** BL to an offset in words from this instruction. */
  bl: (words: number) => (0x94000000 | (words & 0x3ffffff)) >>> 0,
  /** STP X29, X30, [SP, #-16]! */
  stpFpLr: 0xa9bf7bfd,
  /** LDP X29, X30, [SP], #16 */
  ldpFpLr: 0xa8c17bfd,
  /** MOV X18, X0 */
  movX18X0: 0xaa0003f2,
  /** MOV X18, X18 */
  movX18X18: 0xaa1203f2,
  /** SUB SP, SP, #8 */
  subSp8: 0xd10023ff,
  /** STP X19, X20, [SP, #-16]! */
  stpX19X20: 0xa9bf53f3,
  /** LDR X20, [SP, #8] */
  ldrX20: 0xf94007f4,
  /** STR XZR, [X6, #0x100] */
  strXzrCtxSp: 0xf90080df,
};

export function le64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}
