// Episodes: the spans wintrace exists to show, named so a user can list them and jump to them. An exception
// dispatch runs from the faulting instruction through each handler to the resume (or the fail-fast, or the
// process exit when nothing handled it); a thread start from the CreateThread call through the routine's entry
// to its first call into the scheduler (runtime.schedule for Go).

import { consoleEventEpisodes, preemptionEpisodes } from './entry-episodes.ts';
import { classifyDispatch } from './exception-classes.ts';
import { profilerSampleEpisodes } from './profiler-episodes.ts';
import { goRuntimeProfile, type GoRuntimeProfile } from './go-runtimes.ts';
import { exitStatus, ntstatus } from './describe.ts';
import { findExecution } from './search.ts';
import { onThread } from './stepping.ts';
import type { EventKind } from '../trace/schema.ts';
import type { EventAt, Trace } from './trace.ts';

export interface EpisodeMark {
  readonly position: number;
  readonly label: string;
}

export interface Episode {
  /** 0-based rank in start order: `episode:K` on the command line. */
  readonly index: number;
  readonly kind: 'exception' | 'thread-start' | 'console-event' | 'async-preemption' | 'profiler-sample';
  readonly name: string;
  readonly tid: number;
  readonly start: number;
  readonly end: number;
  readonly marks: readonly EpisodeMark[];
  /** How it ended: resumed at ..., fail fast, unhandled, reached the scheduler, ... */
  readonly outcome: string;
  /**
   * An exception dispatch in a Go program: the routines of its runtime's dispatch path the faulting thread
   * entered, in order (1.19's sigtramp_g0, 1.21+'s sigtrampgo, ...), and the runtime profile that names them.
   */
  readonly path?: { readonly runtime: string; readonly routines: readonly string[] };
  /** An exception on a thread without a g (one Go did not create): the runtime routine it was sent to, if any. */
  readonly withoutG?: { readonly badsignal?: string };
}

/** Bound on the scan for the scheduler call, per thread (segments of 16,384 steps). */
const MAX_SCHEDULE_SEGMENTS = 512;
/** Bound on the scan of one dispatch for its runtime routines. */
const MAX_PATH_SEGMENTS = 64;

/**
 * The kinds of event an episode is made of: every kind but thread switches and mappings, except that a console
 * event episode (a control thread Windows creates) ends at its thread's last event of any kind. With the footer's
 * index only the segments holding one are read: on a 365M-step recording 121 of 22,257.
 */
const EPISODE_KINDS: readonly EventKind[] = [
  'api-call', 'api-return', 'thread-created', 'thread-started', 'thread-exited', 'exception-raised', 'handler-called', 'handler-returned',
  'context-resumed', 'fail-fast', 'process-exit',
];

export function episodes(trace: Trace): Episode[] {
  const out: Array<Omit<Episode, 'index'>> = [];
  // Events keep their rank in the whole list (EventAt.index): "the 64 events before" counts the ones left out too.
  const events = trace.eventsOfKinds(EPISODE_KINDS).filter((e) => e.position >= 0);
  const fmt = (a: bigint | number) => trace.symbols.format(Number(a));

  // Exception dispatches, per thread, nested ones inside their outer dispatch.
  // `handler`: the handler running now, if one is: a process that exits before it returns was ended by it.
  const open = new Map<number, Array<{ start: number; marks: EpisodeMark[]; name: string; tid: number; handler?: string }>>();
  for (const { position, event: e } of events) {
    const stack = open.get(e.tid) ?? [];
    switch (e.kind) {
      case 'exception-raised': {
        const start = Math.max(0, position - 1);
        const name = `exception ${ntstatus(e.code)} at ${fmt(e.address)}`;
        stack.push({ start, tid: e.tid, name, marks: [{ position: start, label: `faulting instruction at ${fmt(e.address)}` }, { position, label: `${ntstatus(e.code)} raised, frame at 0x${e.context.toString(16)}` }] });
        open.set(e.tid, stack);
        break;
      }
      case 'handler-called':
      case 'handler-returned': {
        const d = stack.at(-1);
        if (!d) break;
        d.handler = e.kind === 'handler-called' ? `${e.phase} handler ${fmt(e.handler)}` : undefined;
        d.marks.push({
          // Where the thread itself goes on (the scheduler may run another thread first).
          position: e.kind === 'handler-called' ? onThread(trace, position, e.tid) : position,
          label: e.kind === 'handler-called' ? `${e.phase} handler ${fmt(e.handler)} called` : `${e.phase} handler ${fmt(e.handler)} returned ${e.result === -1 ? 'EXCEPTION_CONTINUE_EXECUTION (-1)' : e.result === 0 ? 'EXCEPTION_CONTINUE_SEARCH (0)' : String(e.result)}`,
        });
        break;
      }
      case 'context-resumed':
      case 'fail-fast':
      case 'process-exit': {
        const d = stack.pop();
        if (!d) break;
        const outcome = e.kind === 'context-resumed' ? `resumed at ${fmt(e.pc)} with SP 0x${e.sp.toString(16)}`
          : e.kind === 'fail-fast' ? `fail fast ${ntstatus(e.code)}: ${e.reason}`
          : `process exit ${exitStatus(e.exitCode)} ${d.handler !== undefined ? `during ${d.handler}` : '(unhandled)'}`;
        const at = e.kind === 'context-resumed' ? onThread(trace, position, e.tid) : position;
        d.marks.push({ position: at, label: outcome });
        out.push({ kind: 'exception', name: d.name, tid: d.tid, start: d.start, end: at, marks: d.marks, outcome });
        if (e.kind === 'process-exit') {
          // Every dispatch still open ends with the process.
          for (const [, rest] of open) for (const r of rest.splice(0)) out.push({ kind: 'exception', name: r.name, tid: r.tid, start: r.start, end: position, marks: r.marks, outcome });
        }
        break;
      }
      default:
        break;
    }
  }
  for (const [, rest] of open) {
    for (const r of rest) out.push({ kind: 'exception', name: r.name, tid: r.tid, start: r.start, end: trace.totalSteps, marks: r.marks, outcome: 'trace ends during the dispatch' });
  }

  const runtime = goRuntimeProfile(trace.symbols, trace.header.program.goVersion);
  if (runtime !== undefined) {
    const entries = pathEntries(trace, runtime, out.filter((d) => d.kind === 'exception'));
    for (let k = 0; k < out.length; k++) {
      const d = out[k]!;
      if (d.kind !== 'exception') continue;
      const seen = dispatchPath(entries, d.tid, d.start, Math.min(d.end, pathEnd(trace, d.start)));
      const { marks, withoutG } = classifyDispatch(trace, runtime, d.tid, seen);
      out[k] = {
        ...d,
        marks: [...d.marks, ...seen.map((r) => ({ position: r.position, label: `enters ${r.name}` })), ...marks].sort((a, b) => a.position - b.position),
        path: { runtime: runtime.name, routines: seen.map((r) => r.name) },
        ...(withoutG !== undefined ? { withoutG } : {}),
      };
    }
  }

  // Thread starts.
  const schedule = runtime === undefined ? undefined : trace.symbols.resolve(runtime.scheduler);
  for (let i = 0; i < events.length; i++) {
    const { position, event: e } = events[i]!;
    // A thread Windows creates for itself is its own kind of episode (entry-episodes.ts), not a CreateThread.
    if (e.kind !== 'thread-created' || e.tid === e.newTid) continue;
    const call = lastApiCall(events, i, e.tid, 'CreateThread');
    const started = events.slice(i + 1).find((x) => x.event.kind === 'thread-started' && x.event.tid === e.newTid);
    const marks: EpisodeMark[] = [];
    const start = call?.position ?? position;
    if (call) marks.push({ position: call.position, label: `thread 0x${e.tid.toString(16)} calls CreateThread(start=${fmt(e.start)})` });
    marks.push({ position, label: `thread 0x${e.newTid.toString(16)} created: TEB 0x${e.teb.toString(16)}, stack [0x${e.stackLimit.toString(16)}, 0x${e.stackBase.toString(16)})` });
    let end = position;
    let outcome = 'never ran';
    if (started) {
      marks.push({ position: started.position, label: `routine entry ${fmt(e.start)}` });
      end = started.position;
      outcome = 'started';
      // Strictly after the routine's entry: its first instruction cannot be the scheduler anyway.
      const at = schedule === undefined ? undefined : findExecution(trace, started.position, 1, schedule, e.newTid, MAX_SCHEDULE_SEGMENTS);
      if (at !== undefined) {
        marks.push({ position: at, label: `first call into the scheduler (${fmt(schedule!)})` });
        end = at;
        outcome = 'reached the scheduler';
      }
    }
    out.push({ kind: 'thread-start', name: `thread 0x${e.newTid.toString(16)} start: ${fmt(e.start)}`, tid: e.newTid, start, end, marks, outcome });
  }
  const controlThreads = events.some(({ event: e }) => e.kind === 'thread-created' && e.tid === e.newTid);
  const all = controlThreads ? trace.events().filter((e) => e.position >= 0) : events;
  out.push(...consoleEventEpisodes(trace, all, runtime), ...preemptionEpisodes(trace, events, runtime), ...profilerSampleEpisodes(trace, events, runtime));
  out.sort((a, b) => a.start - b.start || a.end - b.end);
  return out.map((e, index) => ({ index, ...e }));
}

/** The last position a dispatch starting at `start` is searched to: MAX_PATH_SEGMENTS segments on. */
function pathEnd(trace: Trace, start: number): number {
  const last = trace.entries[Math.min(trace.segmentCount - 1, trace.segmentOf(start) + MAX_PATH_SEGMENTS - 1)];
  return last === undefined ? start : Number(last.firstStep) + last.steps;
}

/** Positions at which each thread is about to run each routine of a dispatch path, ascending: tid -> pc -> positions. */
type PathEntries = { names: Map<number, string>; at: Map<number, Map<number, number[]>> };

/**
 * Every entry into the runtime's dispatch-path routines within the spans the dispatches are searched over, found in
 * one forward pass that decodes each segment once. A program whose handler faults again and again has thousands of
 * dispatches open at once, each spanning the rest of the run: searched one by one, each decoded the same 64
 * segments again (more than the segment cache holds), and a recording with 9,809 nested dispatches did not list its
 * episodes in 10 minutes.
 */
function pathEntries(trace: Trace, runtime: GoRuntimeProfile, dispatches: ReadonlyArray<{ start: number; end: number }>): PathEntries {
  const names = new Map<number, string>();
  for (const name of runtime.dispatchPath) {
    const a = trace.symbols.resolve(name);
    if (a !== undefined) names.set(a, trace.symbols.format(a));
  }
  const at = new Map<number, Map<number, number[]>>();
  if (names.size === 0) return { names, at };
  // The segments the spans cover, each once, in order.
  const segments = new Set<number>();
  for (const d of dispatches) {
    const end = Math.min(d.end, pathEnd(trace, d.start));
    for (let i = trace.segmentOf(d.start); i < trace.segmentCount && Number(trace.entries[i]!.firstStep) <= end; i++) segments.add(i);
  }
  for (const i of [...segments].sort((a, b) => a - b)) {
    const seg = trace.decoded(i);
    for (let k = 0; k < seg.steps; k++) {
      const pc = seg.stepPc[k]!;
      if (!names.has(pc)) continue;
      const tid = seg.stepTid[k]!;
      const byPc = at.get(tid) ?? new Map<number, number[]>();
      at.set(tid, byPc);
      const list = byPc.get(pc) ?? [];
      byPc.set(pc, list);
      list.push(seg.firstStep + k);
    }
  }
  return { names, at };
}

/** Where thread `tid` first enters each routine of the dispatch path in (start, end], in order. */
function dispatchPath(entries: PathEntries, tid: number, start: number, end: number): Array<{ name: string; position: number }> {
  const seen: Array<{ name: string; position: number }> = [];
  for (const [pc, list] of entries.at.get(tid) ?? []) {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! > start) hi = mid;
      else lo = mid + 1;
    }
    const q = list[lo];
    if (q !== undefined && q <= end) seen.push({ name: entries.names.get(pc)!, position: q });
  }
  return seen.sort((a, b) => a.position - b.position);
}

/** The last call of API `name` by `tid` among the 64 events (by rank) before events[before]. */
function lastApiCall(events: readonly EventAt[], before: number, tid: number, name: string): EventAt | undefined {
  const from = events[before]!.index - 64;
  for (let j = before - 1; j >= 0 && events[j]!.index >= from; j--) {
    const x = events[j]!.event;
    if (x.kind === 'api-call' && x.tid === tid && x.api.endsWith(`!${name}`)) return events[j];
  }
  return undefined;
}
