// Lines that are costly to draw, drawn `delayMs` after their key last changed: while a key is held the frame
// shows the previous lines (marked stale) and the moves stay fast; when keys stop, the pane fills in.

import { useEffect, useRef, useState } from 'react';
import type { Line } from './components/Lines.tsx';

export function useLazyLines(key: string, compute: () => Line[], delayMs: number): { lines: readonly Line[]; fresh: boolean } {
  const r = useLazy(key, compute, (e) => [[{ text: `error: ${(e as Error).message}` }]], delayMs);
  return { lines: r.value ?? [], fresh: r.fresh };
}

/** Any value computed as useLazyLines computes lines; `failed` stands for it when computing throws. */
export function useLazy<T>(key: string, compute: () => T, failed: (e: unknown) => T, delayMs: number): { value: T | undefined; fresh: boolean } {
  const [done, setDone] = useState<{ key: string; value: T } | undefined>();
  const computeRef = useRef(compute);
  computeRef.current = compute;
  const failedRef = useRef(failed);
  failedRef.current = failed;
  useEffect(() => {
    if (done?.key === key) return;
    const t = setTimeout(() => {
      let value: T;
      try {
        value = computeRef.current();
      } catch (e) {
        value = failedRef.current(e);
      }
      setDone({ key, value });
    }, delayMs);
    return () => clearTimeout(t);
  }, [key, delayMs, done?.key]);
  return done?.key === key ? { value: done.value, fresh: true } : { value: done?.value, fresh: false };
}
