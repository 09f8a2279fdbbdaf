// One worker process of a parallel recording (`record --jobs N`, parallel-record.ts): it runs the program like
// a single recording, traces every N-th share of the instruction stream into its own file of frames, and tells
// the parent on file descriptor 3, in length-prefixed msgpack messages, where each share's frames are, the state
// digests where it began and ended, and the guest output of each share. Writes to the channel are synchronous:
// the recording runs without returning to the event loop, and the parent stitches shares as they end.

import { writeSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { packr } from '../trace/codec.ts';
import { SEGMENT_STEPS } from '../trace/schema.ts';
import { type RecordOptions, RecordSession, type ShareResult } from './session.ts';
import type { RunEnd } from './windows/process.ts';

export const CHANNEL_FD = 3;

export type WorkerMessage =
  | { kind: 'share'; share: ShareResult }
  /** Guest output of the share beginning at instruction `from`, on stdout (1) or stderr (2). */
  | { kind: 'output'; from: bigint; fd: 1 | 2; bytes: Uint8Array }
  /** Instructions run so far, tracing the share beginning at `from`. */
  | { kind: 'progress'; instructions: bigint; from: bigint }
  /** The run is over: how it ended and what the whole run did, as a single recording reports it. */
  | { kind: 'done'; end: RunEnd; denials: string[]; perThread: Array<{ tid: number; start: string; instructions: bigint; state: string; exitCode: number }> };

/** `--share FROM:SIZE:STRIDE:FILE`, as parallel-record.ts writes it. */
export interface ShareSpec {
  from: bigint;
  size: bigint;
  stride: bigint;
  file: string;
}

export function formatShareSpec(s: ShareSpec): string {
  return `${s.from}:${s.size}:${s.stride}:${s.file}`;
}

export function parseShareSpec(v: string): ShareSpec {
  const m = /^(\d+):(\d+):(\d+):(.+)$/.exec(v);
  const seg = BigInt(SEGMENT_STEPS);
  const spec = m ? { from: BigInt(m[1]!), size: BigInt(m[2]!), stride: BigInt(m[3]!), file: m[4]! } : undefined;
  if (!spec || spec.size === 0n || spec.from % seg !== 0n || spec.size % seg !== 0n || spec.stride < spec.size) {
    throw new UsageError(`--share ${v}: not a share of a parallel recording (it is for record --jobs's own workers)`);
  }
  return spec;
}

function send(m: WorkerMessage): void {
  const body = packr.pack(m);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  writeAll(Buffer.concat([head, body]));
}

/** The parent reads as fast as the worker writes; a full pipe only makes this wait. */
function writeAll(b: Uint8Array): void {
  let at = 0;
  while (at < b.length) {
    try {
      at += writeSync(CHANNEL_FD, b, at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

const PROGRESS_MS = 200;

/** Runs one worker; its guest output, shares and end go to the parent. */
export function runShareWorker(spec: ShareSpec, opts: Omit<RecordOptions, 'output' | 'share' | 'stdout' | 'stderr' | 'onProgress' | 'interruptible'>): void {
  // Guest output belongs to the share being traced (the session passes on only that): the first one not yet reported.
  let from = spec.from;
  let last = 0;
  const session = new RecordSession({
    ...opts,
    output: spec.file,
    share: {
      from: spec.from, size: spec.size, stride: spec.stride,
      onShare: (share) => {
        send({ kind: 'share', share });
        from = share.from + spec.stride;
      },
    },
    stdout: (bytes) => send({ kind: 'output', from, fd: 1, bytes }),
    stderr: (bytes) => send({ kind: 'output', from, fd: 2, bytes }),
    onProgress: (p) => {
      const now = performance.now();
      if (now - last < PROGRESS_MS) return;
      last = now;
      send({ kind: 'progress', instructions: p.instructions, from });
    },
  });
  const s = session.run();
  send({ kind: 'done', end: s.end, denials: opts.sandbox?.denials ?? [], perThread: s.perThread });
}
