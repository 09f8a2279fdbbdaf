// RecordSession: runs a program on the emulated Windows with the native tracer attached and streams the trace
// file: a header with the initial state, one segment per SEGMENT_STEPS instructions (keyframe, compressed step
// stream, events, index), and a footer. Memory use does not grow with the trace: each segment goes to disk as
// soon as it is complete.

import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { REGISTERS } from '../arch/arm64.ts';
import { UsageError } from '../errors.ts';
import { thenCalls } from '../trace/call-balance.ts';
import { packRegs } from '../trace/codec.ts';
import { FORMAT_VERSION, type MemoryRegion, type RegFile, SEGMENT_STEPS, type Segment, type ThreadRegisters, type TraceEvent, type TraceFooter, type TraceHeader } from '../trace/schema.ts';
import { emptyPart, type FooterIndexPart, partMark, partSince } from '../trace/footer-index.ts';
import { TraceWriteError, TraceWriter } from '../trace/writer.ts';
import { VERSION } from '../version.ts';
import { type EngineContext, type Prot, protToString } from './engine/engine.ts';
import { UnicornEngine } from './engine/unicorn.ts';
import { interrupts } from './interrupts.ts';
import { referenceProgramPages } from './program-pages.ts';
import { guestPath, loadImage, loadImageBytes, readProgram } from './program.ts';
import { type StateDigest, stateDigest } from './state-digest.ts';
import { TraceOutput } from './trace-output.ts';
import { Tracer } from './tracer.ts';
import type { ApiDef, ApiOutcome } from './windows/api.ts';
import type { ExceptionInfo, ResumeRefusal } from './windows/exceptions.ts';
import { type RunEnd, WindowsProcess } from './windows/process.ts';
import { Sandbox } from './windows/sandbox.ts';
import { type ConsoleEvent, formatConsoleEvent } from './windows/console-events.ts';
import { TEB } from './windows/structs.ts';
import type { Thread } from './windows/thread.ts';

export interface RecordOptions {
  program: string;
  output: string;
  args: string[];
  env: Record<string, string>;
  maxInstructions?: bigint;
  /** Wall-clock limit of the run and the host directories the guest may read (ProcessOptions). */
  timeoutMs?: number;
  sandbox?: Sandbox;
  quantum?: number;
  /** Console control events to raise (console-events.ts); the same events give the same trace. */
  consoleEvents?: ConsoleEvent[];
  /** Record only steps from this executed-instruction count or the first execution of this symbol. */
  startAt?: string;
  stopAt?: string;
  /** Store the program's pages in the header too (a trace that travels alone), not by reference to the file. */
  selfContained?: boolean;
  onProgress?: (p: RecordProgress) => void;
  /**
   * Take SIGINT/SIGTERM over for the run (the CLI does): the first ends it as "interrupted" with a complete trace,
   * a second leaves at once with the trace as far as it got (src/recorder/interrupts.ts).
   */
  interruptible?: boolean;
  /**
   * One worker of a parallel recording (parallel-record.ts): it traces `size` instructions from `from`, from
   * `from + stride`, and so on (segment boundaries), runs untraced between, and reports each share as it ends.
   * Only a share at 0 writes the header and no share writes the footer: the parent stitches the frames.
   */
  share?: { from: bigint; size: bigint; stride: bigint; onShare: (r: ShareResult) => void };
  /** Guest console output (the CLI passes it through). */
  stdout?: (b: Uint8Array) => void;
  stderr?: (b: Uint8Array) => void;
}

export interface RecordProgress {
  instructions: bigint;
  steps: bigint;
  threads: number;
  bytes: number;
}

export interface RecordSummary {
  instructions: bigint;
  steps: bigint;
  threads: number;
  exceptions: number;
  apiCalls: number;
  bytes: number;
  segments: number;
  exitCode: number;
  end: RunEnd;
  output: string;
  /**
   * Wall times: `bootMs` loading the image and booting the emulated process (what an untraced run does before
   * run()), `recordMs` everything after — the run with the tracer, the header, every segment, the footer and the
   * final fsync.
   */
  timings: { bootMs: number; recordMs: number };
  /** Each thread the program created: id, start routine, instructions it ran, how it ended. */
  perThread: Array<{ tid: number; start: string; instructions: bigint; state: string; exitCode: number }>;
}

/** What the parent of a parallel recording needs to stitch and check one share. */
export interface ShareResult {
  /** The share's first instruction. */
  from: bigint;
  /** The state where the share began (absent at 0) and where it ended (absent when the program ended in it). */
  start?: StateDigest;
  end?: StateDigest;
  /** The share's frames are bytes [bytes[0], bytes[1]) of the worker's file; its segment frames begin at `segmentOffsets` within them. */
  bytes: [number, number];
  segmentOffsets: number[];
  /** Footer entries of its segments (offsets to be filled in by the parent's writer). */
  entries: TraceFooter['segments'];
  /** The footer, when the program ended in this share. */
  footer?: TraceFooter;
  /** What the worker writer's footer index gathered from the share's segments, for the parent's writer to absorb. */
  index: FooterIndexPart;
  /** The program ended before the share began: it holds nothing. */
  before?: boolean;
}

/** The engine with the emulated Windows' own memory writes and mappings routed to the trace. */
class RecordingEngine extends UnicornEngine {
  tracer: Tracer | undefined;
  onMap: ((base: bigint, size: bigint, prot: Prot | undefined) => void) | undefined;

  override write(address: bigint, bytes: Uint8Array): void {
    if (this.tracer && bytes.length > 0) this.tracer.osWrite(address, this.read(address, bytes.length), bytes);
    super.write(address, bytes);
  }

  override map(address: bigint, size: bigint | number, prot: Prot): void {
    super.map(address, size, prot);
    this.onMap?.(address, BigInt(size), prot);
  }

  override unmap(address: bigint, size: bigint | number): void {
    super.unmap(address, size);
    this.onMap?.(address, BigInt(size), undefined);
  }
}

/** A thread the trace has not seen yet starts from all-zero registers (docs/trace-format.md, switch records). */
const NO_REGS: RegFile = new Uint8Array(REGISTERS.length * 16);

const ZERO_PAGE = Buffer.alloc(0x1000);

const ARG_STRING_TYPES = /^(LPCSTR|LPSTR|PCSTR|LPCWSTR|LPWSTR|PCWSTR|PWSTR)$/;

export class RecordSession {
  private engine!: RecordingEngine;
  private proc!: WindowsProcess;
  private tracer: Tracer | undefined;
  private writer!: TraceWriter;
  private firstStep = 0n;
  private segIndex = 0;
  private segStart = 0n;
  private keyframe!: Segment['keyframe'];
  private chunks: Uint8Array[] = [];
  private events: TraceEvent[] = [];
  private switches: Array<[number, number]> = [];
  private regsChanged = new Map<number, bigint>();
  /** Pages the segment wrote, each with the mask of its 64-byte lines written as [low, high] u32 words. */
  private pages = new Map<number, [number, number]>();
  private pagesUnknown = false;
  /** The segment's call balance per thread (src/trace/call-balance.ts), for the footer's `calls`. */
  private calls = new Map<number, [number, number]>();
  private footer: TraceFooter['segments'] = [];
  private lastTid: number | undefined;
  /** Each thread's registers as the trace last knew them (keyframe, or when it left the CPU): switch records are relative to these. */
  private known = new Map<number, RegFile>();
  private exceptions = 0;
  private stopAt: bigint | undefined;
  private startAt: bigint | undefined;
  private output: Buffer[] = [];
  private done = false;

  constructor(private readonly opts: RecordOptions) {}

  run(): RecordSummary {
    const t0 = performance.now();
    const programBytes = readProgram(this.opts.program);
    const image = loadImageBytes(programBytes, basename(this.opts.program));
    const output = new TraceOutput(this.opts.output, this.opts.program);
    try {
      this.engine = new RecordingEngine();
    } catch (e) {
      output.abandon();
      throw e;
    }
    if (this.opts.interruptible) {
      interrupts.install(this.engine.nativeHandles().counter);
      interrupts.keep(output.temp, undefined, output.lock);
    }
    this.traceOutput = output;
    try {
      this.proc = new WindowsProcess(this.engine, image, {
        imagePath: guestPath(this.opts.program),
        args: this.opts.args,
        env: this.opts.env,
        stdout: (b) => {
          if (!this.ownsOutput()) return;
          this.output.push(Buffer.from(b));
          this.opts.stdout?.(b);
        },
        stderr: (b) => {
          if (!this.ownsOutput()) return;
          this.output.push(Buffer.from(b));
          this.opts.stderr?.(b);
        },
        ...(this.opts.quantum !== undefined ? { quantum: this.opts.quantum } : {}),
        ...(this.opts.maxInstructions !== undefined ? { maxInstructions: this.opts.maxInstructions } : {}),
        ...(this.opts.consoleEvents !== undefined ? { consoleEvents: this.opts.consoleEvents } : {}),
        ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
        ...(this.opts.sandbox !== undefined ? { sandbox: this.opts.sandbox } : {}),
        observer: this.observer(),
        checkpoints: { next: () => this.nextCheckpoint(), reached: () => this.checkpoint() },
      });
      const booted = performance.now();
      this.resolveWindow();
      this.proc.exceptions.observer = this.exceptionObserver();
      this.writer = new TraceWriter(output.temp, { background: process.env.WINTRACE_SYNC_WRITER === undefined, name: this.opts.output });
      this.programInfo = {
        name: basename(this.opts.program),
        sha256: createHash('sha256').update(programBytes).digest('hex'),
        size: programBytes.length,
        // Where a reader finds the pages left out of the header (src/trace/program-file.ts).
        ...(this.opts.selfContained ? {} : { path: resolve(this.opts.program) }),
        ...(this.proc.image.image.goVersion !== undefined ? { goVersion: this.proc.image.image.goVersion } : {}),
      };
      if (this.startAt === undefined || this.startAt === 0n) this.beginRecording();
      else if (this.opts.share) this.idleTracer = this.pausedTracer();
      let end: RunEnd;
      try {
        end = this.proc.run();
      } catch (e) {
        this.finishAfter(e);
        throw e;
      }
      this.finish(end);
      output.commit();
      if (this.opts.interruptible) interrupts.uninstall();
      const done = performance.now();
      return {
        timings: { bootMs: booted - t0, recordMs: done - booted },
        instructions: this.engine.executed,
        steps: this.tracerSteps(),
        threads: this.proc.threads.length,
        exceptions: this.exceptions,
        apiCalls: this.proc.apiCalls,
        bytes: this.writer.bytesWritten,
        segments: this.footer.length,
        exitCode: end.exitCode,
        end,
        output: Buffer.concat(this.output).toString('utf8'),
        perThread: this.proc.threads.map((t) => ({
          tid: t.id, start: this.proc.symbolize(t.startAddress), instructions: t.executed, state: t.state, exitCode: t.exitCode,
        })),
      };
    } catch (e) {
      // Whatever happened, what was recorded so far stays readable: complete segments are already on disk, and
      // replace the target once there is a header. A trace that could not be written leaves the target as it was.
      try {
        this.writer?.close();
      } catch {
        // the error being thrown says why already
      }
      if (this.headerWritten && !(e instanceof TraceWriteError)) output.commit();
      else output.abandon();
      throw e;
    } finally {
      if (this.opts.interruptible) interrupts.uninstall();
      this.tracer?.free();
      this.idleTracer?.free();
      this.engine.close();
    }
  }

  private traceOutput!: TraceOutput;
  /** The share being traced: its first instruction, where its frames begin in the file, segment frames before it. */
  private shareAt = { from: 0n, byte: 0, segments: 0, index: partMark(emptyPart()), start: undefined as StateDigest | undefined };

  /**
   * A share's worker passes on only the guest's output of its own share: the one before it and after it is
   * another worker's. Tracing and output begin and end at the same checkpoints, so every byte has one owner.
   */
  private ownsOutput(): boolean {
    return this.opts.share === undefined || this.tracer !== undefined;
  }

  /**
   * The run ended in an error (an unsupported API, an engine error, a bug): the instructions that led to it are
   * what a user wants to see, so the segment in progress and the footer are written as for any other end, the
   * error's exit code and message in the summary. If that fails too, the complete segments stay.
   */
  private finishAfter(e: unknown): void {
    if (!this.headerWritten || e instanceof TraceWriteError) return;
    const exitCode = typeof (e as { exitCode?: unknown }).exitCode === 'number' ? (e as { exitCode: number }).exitCode : 70;
    try {
      // The message stays with the trace: `events` and `dump` show why the run ended where it did.
      this.finish({ reason: `error: ${(e as Error)?.message ?? String(e)}`.split('\n')[0]!, exitCode });
    } catch {
      // the original error is the one to report
    }
  }

  private programInfo!: TraceHeader['program'];
  /**
   * A record --jobs worker's tracer between its shares: attached from the first instruction and paused, so each
   * share resumes it instead of attaching one, which would flush every translated block (Tracer's constructor).
   */
  private idleTracer: Tracer | undefined;

  private pausedTracer(): Tracer {
    const t = new Tracer(this.engine);
    t.pause();
    return t;
  }
  private stepsBeforeDetach = 0n;

  private tracerSteps(): bigint {
    return this.stepsBeforeDetach + (this.tracer ? this.engine.executed - this.firstStep : 0n);
  }

  /**
   * --start-at/--stop-at as instruction counts. A symbol is resolved by a first, untraced run of the same
   * program (execution is deterministic, so the count is exact): a JS hook cannot stop the engine before an
   * instruction without disturbing the scheduler, and the recording must interleave exactly as an untraced run.
   */
  private resolveWindow(): void {
    const symbolOf = (v: string, what: string): bigint => {
      const a = this.proc.symbols.addressOf(v);
      if (a === undefined) throw new UsageError(`${what} ${v}: no such symbol in ${basename(this.opts.program)}`);
      return a;
    };
    const start = this.opts.startAt;
    const stop = this.opts.stopAt;
    const startSym = start !== undefined && !/^\d+$/.test(start) ? symbolOf(start, '--start-at') : undefined;
    const stopSym = stop !== undefined && !/^\d+$/.test(stop) ? symbolOf(stop, '--stop-at') : undefined;
    this.startAt = start !== undefined && startSym === undefined ? BigInt(start) : this.opts.share?.from;
    this.stopAt = stop !== undefined && stopSym === undefined ? BigInt(stop) : undefined;
    if (startSym === undefined && stopSym === undefined) return;
    const found = firstExecutions(this.opts, startSym, stopSym, this.startAt ?? 0n);
    if (startSym !== undefined) {
      if (found.start === undefined) throw new UsageError(`--start-at ${start}: the program never executes it`);
      this.startAt = found.start;
    }
    if (stopSym !== undefined) this.stopAt = found.stop;
  }

  private nextCheckpoint(): bigint | undefined {
    if (this.done) return undefined;
    if (!this.tracer) return this.startAt;
    const boundary = this.segStart + BigInt(SEGMENT_STEPS);
    return this.stopAt !== undefined && this.stopAt < boundary ? this.stopAt : boundary;
  }

  private checkpoint(): void {
    if (!this.tracer) {
      if (this.startAt !== undefined && this.engine.executed >= this.startAt) this.beginRecording();
      return;
    }
    const share = this.opts.share;
    if (share && this.engine.executed >= this.shareAt.from + share.size) {
      this.endShare();
      return;
    }
    if (this.stopAt !== undefined && this.engine.executed >= this.stopAt) {
      this.endSegment(false);
      this.stepsBeforeDetach = this.engine.executed - this.firstStep;
      this.tracer.detach();
      this.tracer.free();
      this.tracer = undefined;
      this.engine.tracer = undefined;
      this.done = true;
      return;
    }
    this.endSegment(true);
  }

  /** A share begins: where its frames start in the file. */
  private openShare(start: StateDigest | undefined): void {
    this.writer.flush();
    this.shareAt = { from: this.engine.executed, byte: this.writer.bytesWritten, segments: this.writer.segmentOffsets.length, index: partMark(this.writer.indexPart()), start };
    this.footer = [];
  }

  /** A share's frames are on disk: the parent may take them. */
  private reportShare(r: Pick<ShareResult, 'end' | 'footer'>): void {
    this.writer.flush();
    const at = this.shareAt;
    this.opts.share!.onShare({
      index: partSince(this.writer.indexPart(), at.index),
      from: at.from, ...(at.start ? { start: at.start } : {}), ...r,
      bytes: [at.byte, this.writer.bytesWritten],
      segmentOffsets: this.writer.segmentOffsets.slice(at.segments).map((o) => o - at.byte),
      entries: this.footer,
    });
  }

  /**
   * The end of a share: its last segment, the state the next share must begin in, and no tracing until this
   * worker's next share.
   */
  private endShare(): void {
    const tracer = this.tracer!;
    this.endSegment(false);
    const end = stateDigest(this.engine, this.threadRegisters(tracer.regsAfterRebase()), this.proc, [this.proc.image]);
    tracer.pause();
    this.idleTracer = tracer;
    this.tracer = undefined;
    this.engine.tracer = undefined;
    this.engine.onMap = undefined;
    this.reportShare({ end });
    this.startAt = this.shareAt.from + this.opts.share!.stride;
  }

  /**
   * A share that begins after 0 takes over where another worker's ends: the segment at this instruction count,
   * as a single recording would begin it after its previous segment (keyframe from the engine's registers,
   * register deltas and write addresses relative to them, every index and filter empty), numbered as there.
   */
  private takeOver(): void {
    this.firstStep = 0n;
    this.segStart = this.engine.executed;
    this.segIndex = Number(this.segStart / BigInt(SEGMENT_STEPS));
    this.headerWritten = true;
    const tracer = this.idleTracer ?? this.pausedTracer();
    this.idleTracer = undefined;
    tracer.resume();
    const threads = this.threadRegisters(tracer.regsAfterRebase());
    this.openShare(stateDigest(this.engine, threads, this.proc, [this.proc.image]));
    this.tracer = tracer;
    this.engine.tracer = tracer;
    this.engine.onMap = (base, size, prot) => this.mapEvent(base, size, prot);
    this.keyframe = { currentTid: this.proc.current!.id, threads };
    this.known = new Map(threads.map((t) => [t.tid, t.regs]));
    this.lastTid = this.proc.current!.id;
  }

  /** Captures the initial state (memory, threads) and attaches the tracer. */
  private beginRecording(): void {
    if (this.opts.share && this.engine.executed > 0n) {
      this.takeOver();
      return;
    }
    this.firstStep = this.engine.executed;
    this.segStart = this.firstStep;
    const header: TraceHeader = {
      formatVersion: FORMAT_VERSION,
      wintraceVersion: VERSION,
      program: this.programInfo,
      commandLine: this.proc.commandLine,
      options: {
        args: this.opts.args, env: this.opts.env, quantum: this.opts.quantum ?? 50_000,
        maxInstructions: this.opts.maxInstructions ?? 0n, startAt: this.opts.startAt ?? null, stopAt: this.opts.stopAt ?? null,
        // What the run was given to happen to it, so the trace says how to record it again (absent when none).
        ...(this.opts.consoleEvents?.length ? { consoleEvents: this.opts.consoleEvents.map(formatConsoleEvent) } : {}),
      },
      segmentSteps: SEGMENT_STEPS,
      firstStep: this.firstStep,
      symbols: this.proc.image.symbols.map((s) => ({ name: s.name, address: s.address, size: s.size })),
      stubs: this.proc.stubs.list(),
      regions: this.opts.selfContained ? this.captureRegions() : referenceProgramPages(this.captureRegions(), this.proc.image, this.proc.image.image.bytes),
      threads: this.threadRegisters(),
      currentTid: this.proc.current!.id,
      events: this.preEvents,
    };
    this.writer.writeHeader(header);
    this.headerWritten = true;
    // The parent writes the header itself (parallel-record.ts): the first share's frames begin after it.
    if (this.opts.share) this.openShare(undefined);
    // From now on the file opens: a second Ctrl-C keeps it, under the name the user gave.
    if (this.opts.interruptible) interrupts.keep(this.traceOutput.temp, resolve(this.opts.output), this.traceOutput.lock);
    this.keyframe = { currentTid: header.currentTid, threads: header.threads };
    this.known = new Map(header.threads.map((t) => [t.tid, t.regs]));
    this.lastTid = header.currentTid;
    this.tracer = new Tracer(this.engine);
    this.engine.tracer = this.tracer;
    this.engine.onMap = (base, size, prot) => this.mapEvent(base, size, prot);
  }

  private captureRegions(): MemoryRegion[] {
    const out: MemoryRegion[] = [];
    // Read in chunks of up to 1 MiB (one uc_mem_read each) and keep the pages that are not all zero.
    const CHUNK = 0x100000;
    for (const r of this.engine.regions()) {
      const size = Number(r.end - r.begin);
      const pages: Array<[number, Uint8Array]> = [];
      for (let at = 0; at < size; at += CHUNK) {
        const chunk = Buffer.from(this.engine.read(r.begin + BigInt(at), Math.min(CHUNK, size - at)).buffer);
        for (let p = 0; p < chunk.length; p += 0x1000) {
          const page = chunk.subarray(p, p + 0x1000);
          if (!page.equals(ZERO_PAGE)) pages.push([at + p, new Uint8Array(page)]);
        }
      }
      out.push({ base: r.begin, size, prot: protToString(r.prot), pages });
    }
    return out;
  }

  /**
   * A saved thread context's registers. A context is never changed in place (a thread gets a new one each time it
   * leaves the CPU), so each is read once: a keyframe then costs nothing for the threads that did not run.
   */
  private savedRegs = new WeakMap<EngineContext, RegFile>();

  /** All registers of every live thread; the running one from the engine, the others from their contexts. */
  private threadRegisters(running?: RegFile): ThreadRegisters[] {
    const e = this.engine;
    const out: ThreadRegisters[] = [];
    const cur = this.proc.current;
    const curRegs = cur ? (running ?? packRegs(e.readRegs(REGISTERS))) : undefined;
    let mine: EngineContext | undefined;
    try {
      for (const t of this.proc.threads) {
        if (t.state === 'exited') continue;
        let regs: RegFile;
        if (t === cur) {
          regs = curRegs!;
        } else {
          const ctx = t.context!;
          let r = this.savedRegs.get(ctx);
          if (!r) {
            mine ??= e.saveContext();
            e.restoreContext(ctx);
            r = packRegs(e.readRegs(REGISTERS));
            this.savedRegs.set(ctx, r);
          }
          regs = r;
        }
        const m = this.proc.mem;
        out.push({
          tid: t.id, regs, teb: t.teb,
          stackBase: m.u64(t.teb + BigInt(TEB.fields.StackBase[0])),
          stackLimit: m.u64(t.teb + BigInt(TEB.fields.StackLimit[0])),
        });
      }
    } finally {
      if (mine) {
        e.restoreContext(mine);
        mine.free();
      }
    }
    return out;
  }

  /** Closes the current segment; with `next`, the keyframe of the following one is taken now. */
  private endSegment(next: boolean): void {
    const tracer = this.tracer!;
    tracer.resync();
    this.chunks.push(tracer.drain(true));
    this.noteIndex();
    const steps = Number(this.engine.executed - this.segStart);
    if (steps > 0 || this.events.length > 0) {
      // Raw: the writer compresses the whole segment frame (stream, keyframe, events) at once.
      const data = Buffer.concat(this.chunks);
      const seg: Segment = {
        index: this.segIndex,
        firstStep: this.segStart - this.firstStep,
        steps,
        keyframe: this.keyframe,
        data,
        events: this.events,
        switches: this.switches,
        idx: {
          regsChanged: [...this.regsChanged.entries()].map(([tid, m]) => [tid, m & 0xffff_ffff_ffff_ffffn, m >> 64n] as [number, bigint, bigint]),
          pagesWritten: this.pagesUnknown ? [-1] : [...this.pages.keys()].sort((a, b) => a - b),
        },
      };
      const offset = this.writer.writeSegment(seg);
      // The word filter lives in the footer only: a recording cut short stays correct without it, just slower.
      const calls = [...this.calls].filter(([, [o, u]]) => o !== 0 || u !== 0).map(([tid, [o, u]]) => [tid, o, u] as [number, number, number]);
      const linesWritten = this.pagesUnknown ? undefined : lineMasks(seg.idx.pagesWritten, this.pages);
      this.footer.push({
        offset, firstStep: seg.firstStep, steps, regsChanged: seg.idx.regsChanged, pagesWritten: seg.idx.pagesWritten,
        ...(linesWritten ? { linesWritten } : {}), wordBloom: tracer.takeWordBloom(), byteBloom: tracer.takeByteBloom(), calls,
      });
      this.segIndex++;
    }
    this.chunks = [];
    this.events = [];
    this.switches = [];
    this.regsChanged = new Map();
    this.calls = new Map();
    this.pages = new Map();
    this.pagesUnknown = false;
    this.segStart = this.engine.executed;
    if (next) {
      // The tracer re-read every register of the running thread when it drained (rebase): use its copy.
      this.keyframe = { currentTid: this.proc.current!.id, threads: this.threadRegisters(tracer.regsAfterRebase()) };
      this.known = new Map(this.keyframe.threads.map((t) => [t.tid, t.regs]));
    }
    this.opts.onProgress?.({
      instructions: this.engine.executed, steps: this.engine.executed - this.firstStep,
      threads: this.proc.threads.length, bytes: this.writer.bytesWritten,
    });
  }

  /** Folds the native index (register mask, pages) into the segment's, for the thread that ran. */
  private noteIndex(): void {
    if (!this.tracer || this.lastTid === undefined) return;
    const { regMask, pages, lines, calls } = this.tracer.takeIndex();
    if (regMask !== 0n) this.regsChanged.set(this.lastTid, (this.regsChanged.get(this.lastTid) ?? 0n) | regMask);
    if (calls[0] !== 0 || calls[1] !== 0) this.calls.set(this.lastTid, thenCalls(this.calls.get(this.lastTid) ?? [0, 0], calls));
    if (pages === undefined) this.pagesUnknown = true;
    else {
      for (const [k, p] of pages.entries()) {
        const m = this.pages.get(p);
        if (m) {
          m[0] = (m[0] | lines[2 * k]!) >>> 0;
          m[1] = (m[1] | lines[2 * k + 1]!) >>> 0;
        } else this.pages.set(p, [lines[2 * k]!, lines[2 * k + 1]!]);
      }
    }
  }

  private finish(end: { reason: string; exitCode: number }): void {
    this.event({ kind: 'process-exit', step: this.step(), tid: this.tid(), exitCode: end.exitCode, reason: end.reason });
    if (this.tracer) this.endSegment(false);
    else if (this.headerWritten && this.postEvents.length > 0) {
      // After --stop-at: the rest of the run's events in a segment with no steps.
      const seg: Segment = {
        index: this.segIndex, firstStep: this.stepsBeforeDetach, steps: 0,
        keyframe: { currentTid: this.proc.current?.id ?? 0, threads: this.threadRegisters() },
        data: new Uint8Array(0), events: this.postEvents, switches: [], idx: { regsChanged: [], pagesWritten: [] },
      };
      const offset = this.writer.writeSegment(seg);
      this.footer.push({ offset, firstStep: seg.firstStep, steps: 0, regsChanged: [], pagesWritten: [] });
    }
    if (this.opts.share && !this.tracer) {
      // The end is in a share only when this worker was tracing; otherwise in another worker's, before this one's next.
      this.opts.share.onShare({ from: this.startAt!, before: true, bytes: [0, 0], segmentOffsets: [], entries: [], index: emptyPart() });
      this.writer.close();
      return;
    }
    if (!this.headerWritten) throw new UsageError(`--start-at ${this.opts.startAt}: the program ended after ${this.engine.executed} instructions, before the window began`);
    const footer: TraceFooter = {
      segments: this.footer,
      totalSteps: this.tracerSteps(),
      stubs: this.proc.stubs.list(),
      summary: {
        instructions: this.engine.executed,
        threads: this.proc.threads.length,
        exceptions: this.exceptions,
        apiCalls: this.proc.apiCalls,
        exitCode: end.exitCode,
        endReason: end.reason,
      },
    };
    if (this.opts.share) {
      this.reportShare({ footer });
      this.writer.close();
    } else {
      this.writer.finish(footer);
    }
  }

  // ---- events ---------------------------------------------------------------------------------------------------

  /** Position of an event: steps recorded so far (negative before the detail window begins). */
  private step(): bigint {
    if (!this.headerWritten) return this.engine.executed - (this.startAt ?? 0n);
    return this.tracer ? this.engine.executed - this.firstStep : this.stepsBeforeDetach;
  }

  private tid(): number {
    return this.proc.current?.id ?? 0;
  }

  /** Events are kept for the whole run: before the detail window in the header, after it in a last segment. */
  private event(e: TraceEvent): void {
    if (this.tracer) this.events.push(e);
    else if (this.opts.share) return; // between this worker's shares: another worker records it
    else if (!this.headerWritten) this.preEvents.push(e);
    else this.postEvents.push(e);
  }

  private preEvents: TraceEvent[] = [];
  private postEvents: TraceEvent[] = [];
  private headerWritten = false;

  private regsNow(): RegFile {
    return packRegs(this.engine.readRegs(REGISTERS));
  }

  private mapEvent(base: bigint, size: bigint, prot: Prot | undefined): void {
    if (prot) this.event({ kind: 'memory-mapped', step: this.step(), tid: this.tid(), base, size: Number(size), prot: protToString(prot) });
    else this.event({ kind: 'memory-unmapped', step: this.step(), tid: this.tid(), base, size: Number(size) });
  }

  private decodeArgs(def: ApiDef, args: readonly bigint[]): Array<bigint | string> {
    return def.proto.params.map((p, i) => {
      const v = args[i] ?? 0n;
      if (v !== 0n && ARG_STRING_TYPES.test(p.type)) {
        try {
          return /W/.test(p.type) ? this.proc.mem.wString(v, 260) : this.proc.mem.cString(v, 260);
        } catch {
          return v;
        }
      }
      return v;
    });
  }

  private observer() {
    return {
      apiCall: (t: Thread, def: ApiDef, args: readonly bigint[], caller: bigint) =>
        this.event({ kind: 'api-call', step: this.step(), tid: t.id, api: `${def.dll}!${def.proto.name}`, args: this.decodeArgs(def, args), caller }),
      apiReturn: (t: Thread, def: ApiDef, outcome: ApiOutcome) => {
        const value = typeof outcome === 'object' ? outcome.kind : BigInt(outcome === true ? 1 : outcome === false ? 0 : outcome);
        const lastError = this.proc.mem.u32(t.teb + BigInt(TEB.fields.LastErrorValue[0]));
        this.event({ kind: 'api-return', step: this.step(), tid: t.id, api: `${def.dll}!${def.proto.name}`, value, lastError });
      },
      threadCreated: (t: Thread, creator: Thread | undefined) => {
        // The main thread is created before the process object exists: the header holds it.
        if (this.proc === undefined) return;
        const m = this.proc.mem;
        this.event({
          // A thread Windows creates for itself (the console control thread) is its own creator.
          kind: 'thread-created', step: this.step(), tid: creator?.id ?? t.id, newTid: t.id, start: t.startAddress, parameter: t.parameter, teb: t.teb,
          stackBase: m.u64(t.teb + BigInt(TEB.fields.StackBase[0])), stackLimit: m.u64(t.teb + BigInt(TEB.fields.StackLimit[0])),
          regs: this.contextRegs(t),
        });
      },
      threadExited: (t: Thread) => this.event({
        kind: 'thread-exited', step: this.step(), tid: t.id, exitCode: t.exitCode, ...(t.sentinelsLost ? { sentinelsLost: t.sentinelsLost } : {}),
      }),
      beforeSwitch: (t: Thread) => {
        if (!this.tracer) return;
        // Settle the outgoing thread's last instruction while its pc is still in the engine.
        this.tracer.resync();
        this.noteIndex();
        this.known.set(t.id, this.regsNow());
      },
      threadSwitched: (_from: Thread | undefined, t: Thread) => {
        if (!this.tracer || t.id === this.lastTid) return;
        const changed = this.tracer.switchTo(t.id, this.known.get(t.id) ?? NO_REGS);
        if (changed !== 0n) this.regsChanged.set(t.id, (this.regsChanged.get(t.id) ?? 0n) | changed);
        const from = this.lastTid;
        this.switches.push([Number(this.engine.executed - this.segStart), t.id]);
        this.event({ kind: 'thread-switched', step: this.step(), tid: t.id, from });
        if (t.executed === 0n) {
          this.event({ kind: 'thread-started', step: this.step(), tid: t.id, pc: t.startAddress, regs: this.regsNow(), ...(t.entrySentinels ? { sentinels: t.entrySentinels } : {}) });
        }
        this.lastTid = t.id;
      },
      afterTrap: () => this.tracer?.resync(),
      // Whatever the emulated Windows changed since the last instruction (a completed wait's result, an
      // exception dispatch) belongs to the thread about to run.
      beforeRun: () => {
        if (this.opts.interruptible && interrupts.requested()) this.proc.stopRequested = true;
        this.tracer?.resync();
      },
      paused: () => {
        if (this.tracer) this.chunks.push(this.tracer.drain(false));
      },
      hostWrite: (address: bigint, old: Uint8Array, data: Uint8Array) => this.tracer?.osWrite(address, old, data),
    };
  }

  private contextRegs(t: Thread): RegFile {
    const e = this.engine;
    const mine = e.saveContext();
    try {
      e.restoreContext(t.context!);
      return packRegs(e.readRegs(REGISTERS));
    } finally {
      e.restoreContext(mine);
      mine.free();
    }
  }

  private exceptionObserver() {
    return {
      raised: (i: ExceptionInfo) => {
        this.exceptions++;
        this.event({ kind: 'exception-raised', step: this.step(), tid: i.thread.id, code: i.code, address: i.address, information: i.information, context: i.context, regs: this.regsNow() });
      },
      handlerCalled: (i: ExceptionInfo, phase: 'vectored' | 'continue', handler: bigint, sentinels: Array<[number, bigint]>) =>
        this.event({ kind: 'handler-called', step: this.step(), tid: i.thread.id, handler, phase, regs: this.regsNow(), sentinels }),
      handlerReturned: (i: ExceptionInfo, phase: 'vectored' | 'continue', handler: bigint, result: number, lost: Array<[number, bigint]>) =>
        this.event({ kind: 'handler-returned', step: this.step(), tid: i.thread.id, handler, phase, result, regs: this.regsNow(), sentinelsLost: lost }),
      resumed: (i: ExceptionInfo, pc: bigint, sp: bigint) => {
        const m = this.proc.mem;
        this.event({
          kind: 'context-resumed', step: this.step(), tid: i.thread.id, pc, sp,
          stackLimit: m.u64(i.thread.teb + BigInt(TEB.fields.StackLimit[0])), stackBase: m.u64(i.thread.teb + BigInt(TEB.fields.StackBase[0])),
          regs: this.regsNow(),
        });
      },
      failFast: (t: Thread, code: number, reason: string, resume?: ResumeRefusal) =>
        this.event({ kind: 'fail-fast', step: this.step(), tid: t.id, code, reason, ...(resume ? { resume } : {}) }),
    };
  }
}

/** Instruction counts before the first execution of `startSym`, and of `stopSym` after that, in an untraced run. */
function firstExecutions(opts: RecordOptions, startSym: bigint | undefined, stopSym: bigint | undefined, startN: bigint): { start?: bigint; stop?: bigint } {
  const engine = new UnicornEngine();
  try {
    const proc = new WindowsProcess(engine, loadImage(opts.program), {
      imagePath: guestPath(opts.program), args: opts.args, env: opts.env, stdout: () => {}, stderr: () => {},
      ...(opts.quantum !== undefined ? { quantum: opts.quantum } : {}),
      ...(opts.maxInstructions !== undefined ? { maxInstructions: opts.maxInstructions } : {}),
      ...(opts.consoleEvents !== undefined ? { consoleEvents: opts.consoleEvents } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      // The same mounts, so the guest runs the same way; its refusals belong to the recorded run only.
      ...(opts.sandbox !== undefined ? { sandbox: new Sandbox(opts.sandbox.mounts) } : {}),
    });
    const found: { start?: bigint; stop?: bigint } = {};
    // The native counter has already counted the instruction whose hook runs: the count before it is one less.
    if (startSym !== undefined) {
      engine.hookCode(() => {
        if (found.start === undefined) found.start = engine.executed - 1n;
      }, { begin: startSym, end: startSym });
    }
    if (stopSym !== undefined) {
      engine.hookCode(() => {
        const from = found.start ?? startN;
        if (found.stop === undefined && engine.executed - 1n > from) {
          found.stop = engine.executed - 1n;
          proc.stopRequested = true;
        }
      }, { begin: stopSym, end: stopSym });
    } else if (startSym !== undefined) {
      engine.hookCode(() => {
        if (found.start !== undefined) proc.stopRequested = true;
      }, { begin: startSym, end: startSym });
    }
    proc.run();
    return found;
  } finally {
    engine.close();
  }
}

/** The footer's `linesWritten`: each page's line mask, in the order of `pages`, 8 bytes little-endian each. */
function lineMasks(pages: readonly number[], masks: ReadonlyMap<number, [number, number]>): Uint8Array {
  const out = new Uint8Array(pages.length * 8);
  const view = new DataView(out.buffer);
  for (const [k, p] of pages.entries()) {
    const [lo, hi] = masks.get(p)!;
    view.setUint32(8 * k, lo, true);
    view.setUint32(8 * k + 4, hi, true);
  }
  return out;
}
