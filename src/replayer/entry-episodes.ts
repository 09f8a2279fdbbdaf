// Episodes of the ways Windows enters a Go program besides faults and thread starts (episodes.ts holds those):
// a console control event (Windows' control thread → the registered handler → the runtime's handler → the
// signal reaching os/signal) and an asynchronous preemption (SuspendThread → GetThreadContext → SetThreadContext
// → ResumeThread by one thread, the target entering runtime.asyncPreempt). Routine names come from the runtime
// profile (go-runtimes.ts).

import { tidName } from './describe.ts';
import type { GoRuntimeProfile } from './go-runtimes.ts';
import { findExecution } from './search.ts';
import { onThread } from './stepping.ts';
import type { EventAt, Trace } from './trace.ts';
import type { Episode, EpisodeMark } from './episodes.ts';

type Draft = Omit<Episode, 'index'>;

/** The routine Windows starts its console control thread in (console-events.ts). */
export const CONTROL_ROUTINE = 'kernelbase.dll!CtrlRoutine';
const CTRL_NAMES = ['CTRL_C_EVENT', 'CTRL_BREAK_EVENT', 'CTRL_CLOSE_EVENT'];
/** Segments searched for a routine an episode goes through (16,384 steps each). */
const MAX_SEGMENTS = 64;

/** A routine's address, whether the symbols spell an assembly routine with its `.abi0` suffix or without. */
export function routine(trace: Trace, name: string): number | undefined {
  return trace.symbols.resolve(name) ?? trace.symbols.resolve(`${name}.abi0`);
}

/** The first position after `from` where `name` runs (on `tid`, if given), within the bound. */
export function firstEntry(trace: Trace, name: string, from: number, tid?: number): number | undefined {
  const pc = routine(trace, name);
  return pc === undefined ? undefined : findExecution(trace, from, 1, pc, tid, MAX_SEGMENTS);
}

/** The thread's next step at or after `position`, if it has one. */
function nextOnThread(trace: Trace, position: number, tid: number): number | undefined {
  const q = onThread(trace, position, tid);
  return q < trace.totalSteps ? q : undefined;
}

/** One episode per console control thread Windows created; `events`: every event of the detail window, in order. */
export function consoleEventEpisodes(trace: Trace, events: readonly EventAt[], runtime: GoRuntimeProfile | undefined): Draft[] {
  const out: Draft[] = [];
  const fmt = (a: bigint | number) => trace.symbols.format(Number(a));
  for (let i = 0; i < events.length; i++) {
    const { position, event: e } = events[i]!;
    if (e.kind !== 'thread-created' || e.tid !== e.newTid || fmt(e.start) !== CONTROL_ROUTINE) continue;
    const tid = e.newTid;
    const type = CTRL_NAMES[Number(e.parameter)] ?? `control event ${e.parameter}`;
    const marks: EpisodeMark[] = [{ position, label: `Windows creates control thread ${tidName(tid)} for ${type}` }];
    let end = position;
    let outcome = 'the control thread never ran';
    let handlerCalls = 0;
    for (let j = i + 1; j < events.length; j++) {
      const { position: p, event: x } = events[j]!;
      if (x.tid !== tid) continue;
      if (x.kind === 'thread-started') marks.push({ position: p, label: `${CONTROL_ROUTINE} starts` });
      else if (x.kind === 'api-return' && x.api === CONTROL_ROUTINE && x.value === 'jump') {
        // The stub sends the thread into the next handler: its first step there names it.
        const q = nextOnThread(trace, p, tid);
        if (q !== undefined) marks.push({ position: q, label: `calls handler ${fmt(trace.stepAt(q).pc)}` });
        handlerCalls++;
      } else if (x.kind === 'api-call' && x.api === CONTROL_ROUTINE && handlerCalls > 0) {
        const result = x.args[0];
        marks.push({ position: p, label: `the handler returned ${result === 0n ? 'FALSE' : result === 1n ? 'TRUE' : String(result)}` });
        outcome = result === 0n ? 'not handled: the next handler or the default one runs' : 'handled';
      } else if (x.kind === 'thread-exited' || x.kind === 'process-exit') {
        marks.push({ position: p, label: x.kind === 'thread-exited' ? 'the control thread exits' : 'the process exits' });
        end = p;
        if (x.kind === 'process-exit' && handlerCalls === 0) outcome = 'ended the process (default handler)';
        break;
      }
      end = p;
    }
    // Inside the handler: the runtime's console handler, its hand-off to os/signal, and the delivery.
    if (runtime && handlerCalls > 0) {
      const handler = firstEntry(trace, runtime.consoleHandler, position, tid);
      if (handler !== undefined) marks.push({ position: handler, label: `enters ${runtime.consoleHandler}` });
      const send = handler === undefined ? undefined : firstEntry(trace, runtime.signalSend, handler, tid);
      if (send !== undefined) marks.push({ position: send, label: `enters ${runtime.signalSend}: the signal is queued for os/signal` });
      const deliver = send === undefined ? undefined : firstEntry(trace, runtime.signalDeliver, send);
      if (deliver !== undefined) {
        marks.push({ position: deliver, label: `${runtime.signalDeliver} on thread ${tidName(trace.stepAt(deliver).tid)} sends it to the program's channels` });
        end = Math.max(end, deliver);
      }
    }
    marks.sort((a, b) => a.position - b.position);
    out.push({ kind: 'console-event', name: `${type} on control thread ${tidName(tid)}`, tid, start: position, end, marks, outcome });
  }
  return out;
}

/**
 * One episode per SetThreadContext that sends a suspended thread into runtime.asyncPreempt; `events`: those of
 * the detail window in order, at least the API calls, each with its rank.
 */
export function preemptionEpisodes(trace: Trace, events: readonly EventAt[], runtime: GoRuntimeProfile | undefined): Draft[] {
  if (!runtime || routine(trace, runtime.asyncPreempt) === undefined) return [];
  const out: Draft[] = [];
  const isCall = (x: EventAt['event'], tid: number, api: string) => x.kind === 'api-call' && x.tid === tid && x.api.endsWith(`!${api}`);
  for (let i = 0; i < events.length; i++) {
    const { position, event: e } = events[i]!;
    if (e.kind !== 'api-call' || !e.api.endsWith('!SetThreadContext')) continue;
    const caller = e.tid;
    const marks: EpisodeMark[] = [];
    // The SuspendThread and GetThreadContext that led here, on the same thread, shortly before.
    let start = position;
    // Within 16 events by rank (EventAt.index): `events` may hold only some kinds.
    const rank = events[i]!.index;
    for (let j = i - 1; j >= 0 && events[j]!.index >= rank - 16; j--) {
      const x = events[j]!;
      if (isCall(x.event, caller, 'SuspendThread') || isCall(x.event, caller, 'GetThreadContext')) {
        marks.push({ position: x.position, label: `thread ${tidName(caller)} calls ${(x.event as { api: string }).api}` });
        start = x.position;
        if (isCall(x.event, caller, 'SuspendThread')) break;
      }
    }
    marks.push({ position, label: `thread ${tidName(caller)} sets the suspended thread's context to run ${runtime.asyncPreempt}` });
    let end = position;
    for (let j = i + 1; j < events.length && events[j]!.index <= rank + 16; j++) {
      const x = events[j]!;
      if (isCall(x.event, caller, 'ResumeThread')) {
        marks.push({ position: x.position, label: `thread ${tidName(caller)} calls ResumeThread` });
        end = x.position;
        break;
      }
    }
    // Exactly one thread was suspended and redirected: the next one to enter asyncPreempt is it.
    const entered = firstEntry(trace, runtime.asyncPreempt, position);
    let outcome = `${runtime.asyncPreempt} never ran`;
    let tid = caller;
    if (entered !== undefined && trace.stepAt(entered).tid !== caller) {
      tid = trace.stepAt(entered).tid;
      marks.push({ position: entered, label: `thread ${tidName(tid)} enters ${runtime.asyncPreempt}` });
      end = Math.max(end, entered);
      outcome = `thread ${tidName(tid)} preempted`;
      const yielded = firstEntry(trace, runtime.asyncPreemptYield, entered, tid);
      if (yielded !== undefined) {
        marks.push({ position: yielded, label: `enters ${runtime.asyncPreemptYield}: the goroutine yields` });
        end = yielded;
        outcome = `thread ${tidName(tid)} preempted, its goroutine yields`;
      }
    }
    marks.sort((a, b) => a.position - b.position);
    out.push({ kind: 'async-preemption', name: `async preemption of thread ${tidName(tid)} by thread ${tidName(caller)}`, tid, start, end, marks, outcome });
  }
  return out;
}
