// `record --jobs N`: a recording made by N worker processes at once. The emulated world is deterministic, so
// worker w can trace shares w, w+N, w+2N... of the instruction stream (SIZE instructions each, at segment
// boundaries) and run untraced, several times faster, between them. Every share's segments are exactly the ones a
// single recording writes there (a segment depends only on the emulated state at its first step: the tracer
// starts each segment from a keyframe, and numbering is by instruction count), so the parent copies each share's
// frames into the one file in order and writes the footer: the file is byte for byte a `--jobs 1` recording.
// Where a share begins, its worker's digest of the complete emulated state must equal the one the previous
// share's worker ended with; a difference is a determinism bug and no trace is written.

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { WintraceError, ExitCode } from '../errors.ts';
import { packr } from '../trace/codec.ts';
import { decodePayload } from '../trace/frame-codec.ts';
import { FILE_MAGIC, FRAME_HEADER_BYTES, type TraceFooter, type TraceHeader } from '../trace/schema.ts';
import { TraceWriter } from '../trace/writer.ts';
import type { ShareResult } from './session.ts';
import { CHANNEL_FD, formatShareSpec, type WorkerMessage } from './share-worker.ts';
import { digestDifference } from './state-digest.ts';
import { TraceOutput } from './trace-output.ts';

/** Two runs of the same program disagreed: a bug in the emulator's determinism, never a trace to keep. */
export class DeterminismError extends WintraceError {
  constructor(message: string) {
    super(`determinism check failed: ${message}; no trace was written (record with --jobs 1, and report this)`, ExitCode.internal);
  }
}

export interface ParallelOptions {
  program: string;
  output: string;
  jobs: number;
  /** Instructions per share, a multiple of the segment size. */
  shareSize: bigint;
  /** `wintrace record`'s arguments as the user gave them (after the verb): each worker runs the same recording. */
  argv: readonly string[];
  stdout: (b: Uint8Array) => void;
  stderr: (b: Uint8Array) => void;
  onProgress?: (workers: readonly WorkerState[]) => void;
}

export interface WorkerState {
  /** First instruction of the share it is on; tracing once `instructions` reached it. */
  from: bigint;
  instructions: bigint;
  tracing: boolean;
}

export interface ParallelSummary {
  footer: TraceFooter;
  done: Extract<WorkerMessage, { kind: 'done' }>;
  bytes: number;
  shares: number;
}

interface Worker {
  child: ChildProcess;
  file: string;
  fd: number | undefined;
  state: WorkerState;
  stderr: string;
  exit: { code: number | null; signal: string | null } | undefined;
  done: Extract<WorkerMessage, { kind: 'done' }> | undefined;
}

export async function recordInParallel(o: ParallelOptions): Promise<ParallelSummary> {
  const output = new TraceOutput(o.output, o.program);
  const tmp = mkdtempSync(join(dirname(resolve(o.output)), '.wintrace-jobs-'));
  const workers: Worker[] = [];
  const shares = new Map<bigint, ShareResult>();
  const outputs = new Map<bigint, Array<{ fd: 1 | 2; bytes: Uint8Array }>>();
  let wake: (() => void) | undefined;
  const changed = () => {
    wake?.();
    wake = undefined;
  };
  const stride = o.shareSize * BigInt(o.jobs);
  let writer: TraceWriter | undefined;
  // Ctrl-C: the workers (in the same process group) stop too; what they wrote goes, and no partial trace is kept.
  const interrupted = (signal: NodeJS.Signals) => {
    for (const w of workers) w.child.kill();
    rmSync(tmp, { recursive: true, force: true });
    output.abandon();
    process.stderr.write(`\nwintrace: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}: a --jobs recording keeps no trace when stopped\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    for (let w = 0; w < o.jobs; w++) {
      const from = BigInt(w) * o.shareSize;
      const file = join(tmp, `${w}.part`);
      const spec = formatShareSpec({ from, size: o.shareSize, stride, file });
      const child = spawn(process.execPath, [process.argv[1]!, 'record', '--share', spec, ...o.argv], {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      });
      const worker: Worker = { child, file, fd: undefined, state: { from, instructions: 0n, tracing: false }, stderr: '', exit: undefined, done: undefined };
      workers.push(worker);
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (s: string) => {
        worker.stderr += s;
      });
      readMessages(child.stdio[CHANNEL_FD] as NodeJS.ReadableStream, (m) => {
        switch (m.kind) {
          case 'share':
            shares.set(m.share.from, m.share);
            worker.state = { from: m.share.from + stride, instructions: m.share.from + o.shareSize, tracing: false };
            break;
          case 'output': {
            const list = outputs.get(m.from) ?? [];
            list.push({ fd: m.fd, bytes: m.bytes });
            outputs.set(m.from, list);
            break;
          }
          case 'progress':
            worker.state = { from: m.from, instructions: m.instructions, tracing: true };
            break;
          case 'done':
            worker.done = m;
            break;
        }
        o.onProgress?.(workers.map((x) => x.state));
        changed();
      });
      child.on('exit', (code, signal) => {
        worker.exit = { code, signal };
        changed();
      });
    }
    writer = new TraceWriter(output.temp, { name: o.output });
    const entries: TraceFooter['segments'] = [];
    let previous: ShareResult | undefined;
    for (let index = 0n; ; index++) {
      const from = index * o.shareSize;
      const worker = workers[Number(index % BigInt(o.jobs))]!;
      let share: ShareResult | undefined;
      while (!(share = shares.get(from))) {
        if (worker.exit) {
          await settled(worker.child);
          share = shares.get(from);
          if (!share) throw workerFailed(worker, from);
          break;
        }
        await new Promise<void>((r) => (wake = r));
      }
      shares.delete(from);
      if (share.before) throw new DeterminismError(`the program ended before instruction ${from} in one run, after it in another`);
      if (previous) {
        const differ = share.start ? digestDifference(previous.end!, share.start) : ['every part'];
        if (differ.length > 0) throw new DeterminismError(`at instruction ${from}, two runs of the program reached different states (${differ.join(', ')} differ)`);
      }
      worker.fd ??= openWorkerFile(worker.file);
      // The header is written here, not copied, so that this writer's footer index starts from its threads.
      if (from === 0n) writer.writeHeader(readHeader(worker.fd, share.bytes[0]));
      const frames = Buffer.alloc(share.bytes[1] - share.bytes[0]);
      if (readSync(worker.fd, frames, 0, frames.length, share.bytes[0]) !== frames.length) {
        throw new Error(`parallel recording: share at ${from} is shorter on disk than its worker reported`);
      }
      writer.appendFrames(frames, share.segmentOffsets);
      writer.absorbIndex(share.index);
      entries.push(...share.entries.map((e) => ({ ...e, offset: -1 })));
      for (const out of outputs.get(from) ?? []) (out.fd === 1 ? o.stdout : o.stderr)(out.bytes);
      outputs.delete(from);
      if (share.footer) {
        while (!worker.done && !worker.exit) await new Promise<void>((r) => (wake = r));
        if (!worker.done) throw workerFailed(worker, from);
        for (const w of workers) if (w !== worker) w.child.kill();
        const footer = { ...share.footer, segments: entries };
        writer.finish(footer);
        const bytes = writer.bytesWritten;
        writer = undefined;
        output.commit();
        return { footer, done: worker.done, bytes, shares: Number(index) + 1 };
      }
      previous = share;
    }
  } catch (e) {
    try {
      writer?.close();
    } finally {
      output.abandon();
    }
    throw e;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    for (const w of workers) {
      if (!w.exit) w.child.kill();
      if (w.fd !== undefined) closeSync(w.fd);
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A worker's file, opened when its first share is stitched: still `FILE.partial` while the worker records, `FILE`
 * once it has finished and committed it, which a worker whose only share is short can do before the writer gets
 * there (a `--jobs 2` recording of a 0.7M-instruction program failed so about one run in three).
 */
export function openWorkerFile(file: string): number {
  try {
    return openSync(`${file}.partial`, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return openSync(file, 'r');
  }
}

/** The header frame a worker wrote between the file magic and its first share's frames. */
function readHeader(fd: number, end: number): TraceHeader {
  const frame = Buffer.alloc(end - FILE_MAGIC.length);
  readSync(fd, frame, 0, frame.length, FILE_MAGIC.length);
  return packr.unpack(decodePayload(frame.subarray(FRAME_HEADER_BYTES))) as TraceHeader;
}

/** Waits for the worker's remaining messages (its channel closes after its exit event may have come). */
function settled(child: ChildProcess): Promise<void> {
  const channel = child.stdio[CHANNEL_FD] as NodeJS.ReadableStream & { readableEnded?: boolean };
  if (channel.readableEnded) return Promise.resolve();
  return new Promise((r) => channel.once('end', () => r()));
}

function workerFailed(w: Worker, from: bigint): Error {
  const why = w.stderr.trim().split('\n').filter((l) => l.length > 0).pop() ?? `exit ${w.exit?.code ?? w.exit?.signal}`;
  const e = new WintraceError(`recording worker for instruction ${from} failed: ${why.replace(/^wintrace: /, '')}`, ExitCode.internal);
  return e;
}

/** Length-prefixed msgpack messages (share-worker.ts send). */
function readMessages(stream: NodeJS.ReadableStream, on: (m: WorkerMessage) => void): void {
  let buf: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const n = buf.readUInt32LE(0);
      if (buf.length < 4 + n) break;
      on(packr.unpack(buf.subarray(4, 4 + n)) as WorkerMessage);
      buf = buf.subarray(4 + n);
    }
  });
}
