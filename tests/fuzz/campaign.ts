// A fuzz campaign: cases 0..N-1 of one kind, spread over worker processes, each case under a time bound and a
// memory bound. Every case ends in exactly one class:
//   rejected  — the input was refused with one clear wintrace error line (the loader's BadImageError);
//   loaded    — the input was accepted (and booted / briefly run, as the kind does it);
//   exception — a non-wintrace exception, or an error message that is not one line;
//   hang      — no answer within the time bound (the worker is killed and replaced);
//   memory    — the worker's peak resident set grew past the memory bound during the case, or its heap ran out;
//   crash     — the worker died any other way.
// The last four are failures.

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CheckOptions } from './kind.ts';
import { kindRef, type KindRef } from './kinds.ts';
import type { WorkerReply, WorkerRequest } from './worker.ts';

export const OUTCOMES = ['rejected', 'loaded', 'exception', 'hang', 'memory', 'crash'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const FAILURES: ReadonlySet<Outcome> = new Set(['exception', 'hang', 'memory', 'crash']);

export interface CampaignOptions {
  /** A name from KINDS, or a module reference (tests use a deliberately broken kind). */
  kind: string | KindRef;
  cases: number;
  /** First case index (default 0): a campaign can be resumed or split. */
  first?: number;
  seed: bigint;
  jobs: number;
  /** Per-case wall-clock bound. */
  timeoutMs: number;
  /** Per-case growth of the worker's peak RSS, and the worker's V8 heap limit. */
  memoryLimitMb: number;
  check: CheckOptions;
  onCase?: (r: CaseReport, done: number) => void;
}

export interface CaseReport {
  index: number;
  input: string;
  steps: string[];
  outcome: Outcome;
  /** The error line (rejected), what happened (loaded), or what went wrong (failures). */
  message: string;
  ms: number;
}

export interface CampaignResult {
  counts: Record<Outcome, number>;
  failures: CaseReport[];
  /** Rejection messages with numbers folded to N, and how often each came. */
  defects: Map<string, number>;
  /** Loaded inputs by what happened after loading ("booted", "ran: budget", ...). */
  loaded: Map<string, number>;
  elapsedMs: number;
  /** Slowest case, to compare with the time bound. */
  slowest: { index: number; ms: number };
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  stderr: string[];
  /** Growth of the worker's peak RSS since it started, in KiB. */
  grownKb: number;
  current?: { index: number; input: string; steps: string[]; started: number; timer: NodeJS.Timeout };
}

/** Folds the file name and numbers out of a message so that one defect in any seed, at any offset, counts once. */
export function defectKind(message: string): string {
  return message.replace(/^[^:]*: /, '').replace(/0x[0-9a-f]+|\b\d+\b/g, 'N');
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const ref = typeof opts.kind === 'string' ? kindRef(opts.kind) : opts.kind;
  const first = opts.first ?? 0;
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const failures: CaseReport[] = [];
  const defects = new Map<string, number>();
  const loaded = new Map<string, number>();
  const slowest = { index: -1, ms: 0 };
  const t0 = performance.now();
  let next = first;
  let done = 0;
  const end = first + opts.cases;
  const bump = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };

  return new Promise<CampaignResult>((resolve, reject) => {
    let finished = false;
    const slots: Slot[] = [];

    const record = (r: CaseReport): void => {
      counts[r.outcome]++;
      if (FAILURES.has(r.outcome)) failures.push(r);
      else if (r.outcome === 'rejected') bump(defects, defectKind(r.message));
      else bump(loaded, r.message);
      if (r.ms > slowest.ms) Object.assign(slowest, { index: r.index, ms: r.ms });
      done++;
      opts.onCase?.(r, done);
    };

    const finishIfDone = (): void => {
      if (finished || done < opts.cases) return;
      finished = true;
      for (const s of slots) s.child.kill('SIGKILL');
      failures.sort((a, b) => a.index - b.index);
      resolve({ counts, failures, defects, loaded, elapsedMs: performance.now() - t0, slowest });
    };

    const fail = (e: Error): void => {
      if (finished) return;
      finished = true;
      for (const s of slots) s.child.kill('SIGKILL');
      reject(e);
    };

    const dispatch = (slot: Slot): void => {
      if (finished) return;
      if (next >= end) {
        slot.child.kill('SIGKILL');
        return;
      }
      const index = next++;
      const timer = setTimeout(() => {
        const c = slot.current!;
        slot.current = undefined;
        slot.child.removeAllListeners('exit');
        slot.child.kill('SIGKILL');
        record({ index: c.index, input: c.input, steps: c.steps, outcome: 'hang', message: `no answer within ${opts.timeoutMs} ms`, ms: opts.timeoutMs });
        finishIfDone();
        replace(slot);
      }, opts.timeoutMs);
      slot.current = { index, input: '?', steps: [], started: performance.now(), timer };
      slot.child.send({ type: 'case', index } satisfies WorkerRequest);
    };

    const start = (): Slot => {
      const child = fork(WORKER, [], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx', `--max-old-space-size=${opts.memoryLimitMb}`],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
      const slot: Slot = { child, ready: Promise.resolve(), stderr: [], grownKb: 0 };
      child.stderr!.on('data', (d: Buffer) => {
        slot.stderr.push(d.toString('utf8'));
        if (slot.stderr.length > 50) slot.stderr.shift();
      });
      slot.ready = new Promise<void>((ok) => {
        child.on('message', (m: WorkerReply) => {
          if (m.type === 'ready') return ok();
          const c = slot.current;
          if (c === undefined || c.index !== m.index) return;
          if (m.type === 'started') {
            c.input = m.input;
            c.steps = m.steps;
            return;
          }
          clearTimeout(c.timer);
          slot.current = undefined;
          const ms = performance.now() - c.started;
          const overMemory = m.peakGrowthKb > opts.memoryLimitMb * 1024;
          const outcome: Outcome = overMemory ? 'memory' : m.outcome;
          const message = overMemory ? `peak RSS grew by ${Math.round(m.peakGrowthKb / 1024)} MB (${m.outcome}: ${m.message})` : m.message;
          record({ index: c.index, input: c.input, steps: c.steps, outcome, message, ms });
          finishIfDone();
          // The peak RSS only grows: a worker that has climbed far would hide the next blow-up, so replace it.
          slot.grownKb += Math.max(0, m.peakGrowthKb);
          if (slot.grownKb > (opts.memoryLimitMb * 1024) / 2) {
            slot.child.removeAllListeners('exit');
            slot.child.kill('SIGKILL');
            replace(slot);
          } else {
            dispatch(slot);
          }
        });
      });
      child.on('exit', (code, signal) => {
        const c = slot.current;
        const why = slot.stderr.join('');
        if (c === undefined) {
          if (!finished && next < end) fail(new Error(`fuzz worker exited before taking a case (code ${code}, signal ${signal}): ${why.trim()}`));
          return;
        }
        clearTimeout(c.timer);
        slot.current = undefined;
        const oom = /heap out of memory|Allocation failed/i.test(why);
        record({
          index: c.index, input: c.input, steps: c.steps, outcome: oom ? 'memory' : 'crash',
          message: oom ? 'the worker ran out of heap' : `the worker died (code ${code}, signal ${signal}): ${why.trim().split('\n').slice(-3).join(' | ')}`,
          ms: performance.now() - c.started,
        });
        finishIfDone();
        replace(slot);
      });
      child.send({ type: 'init', kind: ref, seed: opts.seed.toString(), options: opts.check } satisfies WorkerRequest);
      return slot;
    };

    const replace = (old: Slot): void => {
      if (finished) return;
      const i = slots.indexOf(old);
      const slot = start();
      slots[i] = slot;
      void slot.ready.then(() => dispatch(slot));
    };

    if (opts.cases <= 0) return finishIfDone();
    for (let j = 0; j < Math.max(1, Math.min(opts.jobs, opts.cases)); j++) {
      const slot = start();
      slots.push(slot);
      void slot.ready.then(() => dispatch(slot));
    }
  });
}
