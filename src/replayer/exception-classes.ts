// What an exception dispatch in a Go program shows beyond its handlers: whether the faulting thread had a g at
// all (a thread Go did not create), and whether the exception got as far as the last continue handler and what
// that did. Both are marks and optional fields of the exception episode, not kinds of their own: they are ways
// one dispatch goes, and a program's list of exceptions should stay one list in fault order.

import { tidName } from './describe.ts';
import { firstEntry, routine } from './entry-episodes.ts';
import type { EpisodeMark } from './episodes.ts';
import type { GoRuntimeProfile } from './go-runtimes.ts';
import type { Trace } from './trace.ts';

export interface DispatchClass {
  readonly marks: EpisodeMark[];
  /** Set when the thread had no g when the runtime's handler looked: the routine the runtime sent it to, if any. */
  readonly withoutG?: { readonly badsignal?: string };
}

/** Marks for a dispatch on thread `tid` whose path entered `seen` (episodes.ts's dispatchPath), in order. */
export function classifyDispatch(
  trace: Trace, runtime: GoRuntimeProfile, tid: number, seen: ReadonlyArray<{ name: string; position: number }>,
): DispatchClass {
  const marks: EpisodeMark[] = [];
  let withoutG: DispatchClass['withoutG'];
  const loaded = seen.find((r) => runtime.gLoadedAt.some((n) => sameRoutine(trace, r.name, n)));
  if (loaded !== undefined) {
    // badsignal is only ever called without a g; elsewhere X28 holds what load_g found in the TLS slot.
    const badsignal = runtime.badsignal !== undefined && sameRoutine(trace, loaded.name, runtime.badsignal) ? runtime.badsignal : undefined;
    const g = badsignal !== undefined ? 0n : trace.state(loaded.position).threads.get(tid)?.[28];
    if (g === 0n) {
      withoutG = badsignal !== undefined ? { badsignal } : {};
      marks.push({
        position: loaded.position,
        label: badsignal !== undefined
          ? `thread ${tidName(tid)} has no g: ${badsignal} prints "signal received on thread not created by Go" and aborts`
          : `thread ${tidName(tid)} has no g: ${loaded.name} passes the exception on`,
      });
    }
  }
  const last = seen.find((r) => sameRoutine(trace, r.name, runtime.lastContinueHandler));
  if (last !== undefined) {
    marks.push({ position: last.position, label: `reaches the last continue handler (${last.name})` });
    const report = firstEntry(trace, runtime.lastContinueReport, last.position, tid);
    if (report !== undefined) marks.push({ position: report, label: `enters ${runtime.lastContinueReport}: Go reports the exception as its own crash and exits` });
  }
  return { marks, ...(withoutG !== undefined ? { withoutG } : {}) };
}

/** Whether a formatted routine name is `name` (symbols may spell an assembly routine with its `.abi0` suffix). */
function sameRoutine(trace: Trace, formatted: string, name: string): boolean {
  const a = routine(trace, name);
  return a !== undefined && (formatted === trace.symbols.format(a) || formatted === name);
}
