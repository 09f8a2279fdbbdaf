// Building blocks shared by the wait functions of kernel32 and ntdll.

import type { ApiCall, ApiOutcome } from '../api.ts';
import type { KObject } from '../objects.ts';
import type { Wait } from '../thread.ts';

export const INFINITE = 0xffff_ffffn;
export const WAIT = { OBJECT_0: 0n, ABANDONED: 0x80n, TIMEOUT: 0x102n, FAILED: 0xffff_ffffn } as const;
export const ERROR_INVALID_HANDLE = 6;

/** Deadline in virtual ns for a millisecond timeout (undefined for INFINITE). */
export function deadlineMs(c: ApiCall, ms: bigint): bigint | undefined {
  return (ms & 0xffff_ffffn) === INFINITE ? undefined : c.process.clock.now() + (ms & 0xffff_ffffn) * 1_000_000n;
}

/**
 * Waits on objects: satisfied now → completes at once; zero timeout → WAIT_TIMEOUT; else blocks the thread.
 * `complete` turns the outcome (index or 'timeout') into the return value.
 */
export function waitOn(
  c: ApiCall,
  api: string,
  objects: KObject[],
  all: boolean,
  deadline: bigint | undefined,
  complete: Wait['complete'],
): ApiOutcome {
  const now = c.process.clock.now();
  if (objects.length > 0) {
    if (all ? objects.every((o) => o.signaled(now)) : objects.some((o) => o.signaled(now))) {
      if (all) {
        for (const o of objects) o.acquire();
        return complete(0);
      }
      const i = objects.findIndex((o) => o.signaled(now));
      objects[i]!.acquire();
      return complete(i);
    }
  }
  if (deadline !== undefined && deadline <= now) return complete('timeout');
  return { kind: 'block', wait: { api, objects, all, deadline, complete } };
}

export function objectsOf(c: ApiCall, handles: bigint[]): KObject[] | undefined {
  const out: KObject[] = [];
  for (const h of handles) {
    const o = c.process.object(h);
    if (!o) return undefined;
    out.push(o);
  }
  return out;
}
