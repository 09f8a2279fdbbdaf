// Starts the TUI on an open replay: loads the disassembler (panes then draw synchronously), renders the App on
// the terminal and resolves when the user quits.

import { render } from 'ink';
import type { Replay } from '../replayer/replay.ts';
import { App } from './App.tsx';
import { keepInkLineCaches } from './ink-line-cache.ts';
import { revealViolationRegisters } from './dispatch.ts';
import { PaneData } from './pane-data.ts';
import { initialState } from './state/ui-state.ts';

export interface TuiOptions {
  readonly position: number;
  readonly message?: string;
  readonly color: boolean;
  /** Where else to look for the program's source files. */
  readonly sourceDirs?: readonly string[];
}

/** NO_COLOR (no-color.org): present and not empty turns colour off. */
export function colorWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

export async function runTui(replay: Replay, opts: TuiOptions): Promise<void> {
  await replay.disassembler();
  await keepInkLineCaches();
  const data = new PaneData(replay, opts.sourceDirs ?? []);
  // The alternate screen: the shell's scrollback is left as it was on quit.
  process.stdout.write('\x1b[?1049h\x1b[H');
  try {
    const app = render(<App data={data} initial={revealViolationRegisters(data, -1, initialState(opts.position, opts.message ?? ''))} color={opts.color} />, {
      exitOnCtrlC: false,
      patchConsole: true,
      maxFps: 60,
    });
    await app.waitUntilExit();
  } finally {
    process.stdout.write('\x1b[?1049l');
  }
}
