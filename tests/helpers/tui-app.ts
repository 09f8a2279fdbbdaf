// The TUI's App under ink-testing-library at a fixed terminal size: keys in, frames out, and the position the
// status bar shows, read back from the frame.

import { render } from 'ink-testing-library';
import { createElement } from 'react';
import type { Replay } from '../../src/replayer/replay.ts';
import { App } from '../../src/tui/App.tsx';
import { PaneData } from '../../src/tui/pane-data.ts';
import { initialState } from '../../src/tui/state/ui-state.ts';

export const KEYS = { right: '\x1b[C', left: '\x1b[D', up: '\x1b[A', down: '\x1b[B', enter: '\r', tab: '\t', escape: '\x1b' } as const;

export interface TuiHarness {
  readonly frames: string[];
  frame(): string;
  /** Writes keys and waits until the frames stop changing. */
  press(...keys: string[]): Promise<string>;
  /** Writes keys one after the other without waiting between them, then waits as press does. */
  burst(...keys: string[]): Promise<string>;
  /** Position shown in the status bar. */
  position(): number;
  waitFor(pred: (frame: string) => boolean, ms?: number): Promise<string>;
  unmount(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startTui(replay: Replay, position: number, opts: { width?: number; height?: number; lazyMs?: number; sourceDirs?: string[] } = {}): Promise<TuiHarness> {
  await replay.disassembler();
  let idle = 0;
  const app = render(createElement(App, {
    data: new PaneData(replay, opts.sourceDirs ?? []), initial: initialState(position), width: opts.width ?? 80, height: opts.height ?? 24, color: false, lazyMs: opts.lazyMs ?? 0,
    onIdle: () => idle++,
  }));
  const frame = () => app.lastFrame() ?? '';
  // Settled: the App says every key was applied (a continue or a check included), then 40 ms without a new frame
  // (side panes fill in after the move).
  const settle = async (since: number) => {
    for (let t = 0; t < 30_000 && idle === since; t += 5) await sleep(5);
    let n = -1;
    for (let i = 0; i < 400 && n !== app.frames.length; i++) {
      n = app.frames.length;
      await sleep(40);
    }
    return frame();
  };
  const h: TuiHarness = {
    frames: app.frames,
    frame,
    async press(...keys) {
      for (const k of keys) {
        const since = idle;
        app.stdin.write(k);
        await settle(since);
      }
      return frame();
    },
    async burst(...keys) {
      const since = idle;
      for (const k of keys) app.stdin.write(k);
      await settle(since);
      return frame();
    },
    position() {
      const m = / (\d+)\/(\d+) [\d.]+% /.exec(frame());
      if (!m) throw new Error(`no status bar in:\n${frame()}`);
      return Number(m[1]);
    },
    async waitFor(pred, ms = 10_000) {
      const t = Date.now();
      while (!pred(frame())) {
        if (Date.now() - t > ms) throw new Error(`timed out; last frame:\n${frame()}`);
        await sleep(20);
      }
      return frame();
    },
    unmount: () => app.unmount(),
  };
  await sleep(50);
  await settle(idle - 1);
  return h;
}

/** `?` then down until the key list stops scrolling: every frame of it, for a test that every key is listed. */
export async function helpFrames(h: TuiHarness): Promise<string[]> {
  const frames = [await h.press('?')];
  for (let i = 0; i < 100; i++) {
    const f = await h.press('j');
    if (f === frames[frames.length - 1]) break;
    frames.push(f);
  }
  return frames;
}
