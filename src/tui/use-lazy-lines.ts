// Lines that are costly to draw, drawn `delayMs` after their key last changed: while a key is held the frame
// shows the previous lines (marked stale) and the moves stay fast; when keys stop, the pane fills in.

import { useEffect, useRef, useState } from 'react';
import type { Line } from './components/Lines.tsx';

export function useLazyLines(key: string, compute: () => Line[], delayMs: number): { lines: readonly Line[]; fresh: boolean } {
  const [done, setDone] = useState<{ key: string; lines: Line[] } | undefined>();
  const computeRef = useRef(compute);
  computeRef.current = compute;
  useEffect(() => {
    if (done?.key === key) return;
    const t = setTimeout(() => {
      let lines: Line[];
      try {
        lines = computeRef.current();
      } catch (e) {
        lines = [[{ text: `error: ${(e as Error).message}` }]];
      }
      setDone({ key, lines });
    }, delayMs);
    return () => clearTimeout(t);
  }, [key, delayMs, done?.key]);
  return done?.key === key ? { lines: done.lines, fresh: true } : { lines: done?.lines ?? [], fresh: false };
}
