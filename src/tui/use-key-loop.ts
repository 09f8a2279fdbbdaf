// The key loop: keys are queued and applied together on the next turn of the event loop, so a held key (or a
// burst the terminal sent while a frame was drawn) moves several steps and draws one frame. Each key goes
// through dispatch.ts; its effects (a continue run in slices that Esc stops, the ABI check) run here.

import { useApp, useInput } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { goroutineRun } from '../replayer/goroutine-stepping.ts';
import { runInSlices } from '../replayer/run-slices.ts';
import type { RunStop } from '../replayer/search.ts';
import { continueConditions, describeStop, type Effect, handleToken, revealViolationRegisters, type Viewport } from './dispatch.ts';
import { keyTokens } from './keys/tokens.ts';
import type { PaneData } from './pane-data.ts';
import { moveTo, type UiState } from './state/ui-state.ts';

/** The UI state as keys change it, and a passing note (work under way that is not a key's). */
export function useKeyLoop(data: PaneData, initial: UiState, onIdle?: () => void, viewport: Viewport = { width: 80, height: 24 }): { state: UiState; note: string | undefined } {
  const { exit } = useApp();
  const [state, setState] = useState(initial);
  const ref = useRef(initial);
  const queue = useRef<string[]>([]);
  const scheduled = useRef(false);
  const busy = useRef(false);
  const cancel = useRef(false);

  const commit = useCallback((s: UiState) => {
    ref.current = s;
    setState(s);
    if (s.quit) exit();
  }, [exit]);

  const onIdleRef = useRef(onIdle);
  onIdleRef.current = onIdle;
  const viewportRef = useRef(viewport);
  viewportRef.current = viewport;
  // After React has drawn the committed state: a macrotask runs after the synchronous render of a legacy root.
  const idle = () => setImmediate(() => onIdleRef.current?.());

  const runEffect = useCallback(async (effect: Effect) => {
    busy.current = true;
    cancel.current = false;
    try {
      // Let the frame saying what is under way be drawn first.
      await new Promise((r) => setTimeout(r, 15));
      if (effect.kind === 'async') {
        commit({ ...(await effect.run(ref.current)), running: undefined });
        return;
      }
      const from = ref.current.position;
      const follow = ref.current.follow;
      // On a followed goroutine the scan is bounded by its life and not sliced.
      const gen = follow ? goroutineRun(data.replay, from, effect.dir, follow, continueConditions(data, ref.current))
        : runInSlices(data.replay.trace, from, effect.dir, continueConditions(data, ref.current));
      for (;;) {
        const step = gen.next();
        if (step.done) {
          const stop: RunStop = step.value;
          commit({ ...revealViolationRegisters(data, from, moveTo(ref.current, stop.position, describeStop(data, ref.current, stop, effect.dir))), running: undefined });
          return;
        }
        commit({ ...ref.current, running: { dir: effect.dir, reached: step.value } });
        await new Promise((r) => setImmediate(r));
        if (cancel.current) {
          commit({ ...moveTo(ref.current, step.value, `stopped at position ${step.value} (interrupted)`), running: undefined });
          return;
        }
      }
    } catch (e) {
      commit({ ...ref.current, running: undefined, message: `error: ${(e as Error).message}` });
    } finally {
      busy.current = false;
      idle();
    }
  }, [data, commit]);

  const flush = useCallback(() => {
    scheduled.current = false;
    const tokens = queue.current.splice(0);
    let s = ref.current;
    for (const [i, t] of tokens.entries()) {
      if (busy.current) {
        if (t === 'escape' || t === 'ctrl-c') cancel.current = true;
        continue;
      }
      const r = handleToken(data, s, t, viewportRef.current);
      s = r.state;
      if (s.quit) break;
      if (r.effect) {
        commit(s);
        void runEffect(r.effect);
        // Keys that came with it can only stop it.
        if (tokens.slice(i + 1).some((x) => x === 'escape' || x === 'ctrl-c')) cancel.current = true;
        return;
      }
    }
    if (s !== ref.current) commit(s);
    idle();
  }, [data, commit, runEffect]);

  // The events (every frame's header, read once) are what event, episode and step-over keys search, and the
  // episodes (p, P, 7) are found from them: read both in the first idle moments after the first frame rather than
  // on the first such key (2 s each on a 51M-step trace). Apart, so a key pressed during the first is not also
  // kept waiting for the second.
  const [note, setNote] = useState<string | undefined>();
  useEffect(() => {
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, f: () => void) => timers.push(setTimeout(f, ms));
    const read = (what: string, f: () => void, then?: () => void) => {
      setNote(`reading the ${what} of the trace...`);
      later(15, () => {
        f();
        setNote(undefined);
        then?.();
      });
    };
    const episodes = () => {
      if (!data.replay.episodesLoaded) later(100, () => read('episodes', () => data.episodes()));
    };
    later(300, () => (data.replay.trace.eventsLoaded ? episodes() : read('events', () => data.events(), episodes)));
    return () => timers.forEach(clearTimeout);
  }, [data]);

  useInput((input, key) => {
    queue.current.push(...keyTokens(input, key));
    if (!scheduled.current) {
      scheduled.current = true;
      setImmediate(flush);
    }
  });

  return { state, note };
}
