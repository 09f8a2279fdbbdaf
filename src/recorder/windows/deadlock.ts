// When a run that only waits has ended in all but name, and how to describe each thread's wait.
//
// A deadlock in the strict sense: every thread waits and no wait has a deadline. A Go program never gets there:
// its monitor thread (runtime.sysmon) always sleeps with a timeout (60 s when all else is idle), so a program
// whose goroutines all block in Windows waits keeps waking sysmon forever while virtual time races ahead. The
// scheduler therefore also ends a run as a deadlock when every thread waits and, for IDLE_LIMIT_NS of virtual
// time, nothing happened but timeouts that led straight back to waiting: no wait satisfied by an object other than
// a timer, no thread started or ended, no output. Everything here is virtual time, so the verdict is the same on
// every run. A program that stays silent through a day of sleeps is the price of that rule.

import type { Thread } from './thread.ts';

export const IDLE_LIMIT_NS = 24n * 3600n * 1_000_000_000n;

/** The process's activity as a comparable value: any change means the run is not idle. */
export interface Activity {
  threads: number;
  exited: number;
  /** Waits satisfied by an object that is not a timer. */
  objectWakes: number;
  outputBytes: number;
}

export class IdleWatch {
  private since = 0n;
  private last = '';

  /** Notes the activity at a moment when every thread waits; returns how long (virtual ns) nothing has changed. */
  idleFor(activity: Activity, now: bigint): bigint {
    const print = `${activity.threads}/${activity.exited}/${activity.objectWakes}/${activity.outputBytes}`;
    if (print !== this.last) {
      this.last = print;
      this.since = now;
    }
    return now - this.since;
  }
}

const seconds = (ns: bigint): string => `${(Number(ns) / 1e9).toFixed(3)} s`;

/** One line per thread that has not exited: what it waits on and until when. */
export function describeWaits(threads: readonly Thread[], now: bigint): string[] {
  return threads.filter((t) => t.state !== 'exited').map((t) => {
    const w = t.wait;
    if (t.state !== 'waiting' || w === undefined) return `thread 0x${t.id.toString(16)}: ${t.state}${t.suspendCount > 0 ? ', suspended' : ''}`;
    const on = w.objects.map((o) => o.describe()).join(', ') || 'nothing';
    const until = w.deadline === undefined ? 'no timeout' : `timeout in ${seconds(w.deadline - now)}`;
    return `thread 0x${t.id.toString(16)}: ${w.api} on ${on} (${until})`;
  });
}
