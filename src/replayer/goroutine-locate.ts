// Places on one goroutine (`show --at PLACE --goroutine N`): the first execution of a symbol by goroutine N, or
// goroutine N's next step from a position, whichever OS threads it ran on.

import { UsageError } from '../errors.ts';
import { goroutineHistory } from './goroutine-history.ts';
import { findGoroutine, type GoroutineTarget, goroutineRunTo, goroutineStep, onGoroutine, targetAt } from './goroutine-stepping.ts';
import { type Located, resolveAddress } from './locate.ts';
import type { Replay } from './replay.ts';

/** Goroutine `goid` as it exists at `near`, else wherever it existed in the trace (its creation). */
export function goroutineTarget(replay: Replay, goid: number, near: number): GoroutineTarget | string {
  const here = findGoroutine(replay, near, goid);
  if (typeof here !== 'string') return here;
  const history = goroutineHistory(replay, replay.trace.totalSteps);
  if (typeof history === 'string') return history;
  const created = history.find((x) => x.goid === goid);
  if (!created) return `goroutine ${goid} never exists in this trace (ids ${Math.min(...history.map((x) => x.goid))}-${Math.max(...history.map((x) => x.goid))} do)`;
  return targetAt(replay, created.createdAt, goid, created.g);
}

/** `place` (located from `at`) moved onto goroutine `goid`; UsageError when it never gets there. */
export function locateOnGoroutine(replay: Replay, at: string, place: Located, goid: number): Located {
  const trace = replay.trace;
  const target = goroutineTarget(replay, goid, place.position);
  if (typeof target === 'string') throw new UsageError(`--goroutine ${goid}: ${target}`);
  const address = /^\d+%?$/.test(at.trim()) ? undefined : resolveAddress(replay, at);
  if (address !== undefined) {
    const where = trace.symbols.format(address);
    const first = trace.totalSteps > 0 && trace.stepAt(0).pc === address && onGoroutine(replay, 0, target) ? 0
      : goroutineRunTo(replay, 0, 1, target, { breakpoints: new Set([address]) });
    if (typeof first === 'object' && first.reason !== 'breakpoint') throw new UsageError(`--at ${at} --goroutine ${goid}: goroutine ${goid} never executes ${where}`);
    return { position: typeof first === 'number' ? first : first.position, label: `first execution of ${where} by goroutine ${goid}` };
  }
  const p = place.position;
  if (p < trace.totalSteps && onGoroutine(replay, p, target)) return { position: p, label: `${place.label}, on goroutine ${goid}` };
  const next = goroutineStep(replay, p, target, 1);
  if (next === undefined) throw new UsageError(`--goroutine ${goid}: goroutine ${goid} runs no more after position ${p}`);
  return { position: next, label: `goroutine ${goid}'s next step after ${place.label}` };
}
