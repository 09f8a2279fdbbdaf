// Benchmark "tui": key-to-frame time of the TUI on a trace of at least 20M instructions — from a key arriving on
// stdin to Ink writing the frame that shows its move — for step forward/back, step over forward/back and next/
// previous event, against the 16 ms target (one frame at 60 Hz). The real App renders through Ink (throttled at
// 60 fps as `wintrace tui` runs it) into a fake 80x24 terminal. Also reported: when the side pane (the stack)
// has filled in after the move, which the App does once keys stop coming.
//
//   npm run bench -- tui [--trace FILE] [--fixture NAME] [--positions N] [--runs N]
//
// Without --trace the fixture (std-1000goroutines, 51M instructions) is recorded once into the temporary
// directory and kept there for later runs.

import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordSession } from '../src/recorder/session.ts';
import { Replay } from '../src/replayer/replay.ts';
import { PaneData } from '../src/tui/pane-data.ts';
import { initialState } from '../src/tui/state/ui-state.ts';
import { fixtureExe } from '../tests/helpers/fixtures.ts';
import type { Benchmark, BenchOptions, BenchResult, Cell } from './run.ts';
import { PerRun, rng, SUMMARY_COLUMNS } from './samples.ts';

const PARAMS = new Set(['trace', 'fixture', 'positions', 'nocache']);

class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 80;
  readonly rows = 24;
  writes = 0;
  lastWrite = 0;
  write = (_chunk: string): boolean => {
    this.writes++;
    this.lastWrite = performance.now();
    return true;
  };
}

class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  press(key: string): void {
    this.data = key;
    this.emit('readable');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keys measured at each position, in order: a user stepping around a place. */
const SEQUENCE: Array<[string, string]> = [
  ...Array.from({ length: 8 }, (): [string, string] => ['step forward (s)', 's']),
  ...Array.from({ length: 8 }, (): [string, string] => ['step back (S)', 'S']),
  ...Array.from({ length: 4 }, (): [string, string] => ['step over (n)', 'n']),
  ...Array.from({ length: 4 }, (): [string, string] => ['step over back (N)', 'N']),
  ...Array.from({ length: 3 }, (): [string, string] => ['next event (e)', 'e']),
  ...Array.from({ length: 3 }, (): [string, string] => ['previous event (E)', 'E']),
];

const LAZY_MS = 40;

/** A kept recording this wintrace still reads (the format version moves on). */
function readable(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    Replay.open(file).close();
    return true;
  } catch {
    return false;
  }
}

export const tui: Benchmark = {
  name: 'tui',
  description: 'TUI key-to-frame time (step, step over, next event) on a 20M+ instruction trace',
  async run(opts: BenchOptions): Promise<BenchResult> {
    for (const k of Object.keys(opts.params)) if (!PARAMS.has(k)) throw new Error(`tui: unknown parameter --${k} (known: ${[...PARAMS].join(', ')})`);
    const positions = Number(opts.params.positions ?? 12);
    // As \`wintrace tui\` runs it: React's production build (imported here, after NODE_ENV is set).
    process.env.NODE_ENV ??= 'production';
    const { render } = await import('ink');
    const { createElement } = await import('react');
    const { App } = await import('../src/tui/App.tsx');
    const { keepInkLineCaches } = await import('../src/tui/ink-line-cache.ts');
    if (opts.params.nocache !== 'true' && !(await keepInkLineCaches())) opts.log('tui: this Ink has no line caches to keep');
    let file = opts.params.trace;
    if (!file) {
      const fixture = opts.params.fixture ?? 'std-1000goroutines';
      file = join(tmpdir(), `wintrace-bench-tui-${fixture}.mp`);
      if (!readable(file)) {
        opts.log(`tui: recording ${fixture} into ${file} (kept for later runs)`);
        new RecordSession({ program: fixtureExe(fixture), output: file, args: [], env: {} }).run();
      }
    }
    const perRun = new PerRun();
    const add = (k: string, xs: number[]) => perRun.add(k, xs);
    let steps = 0;
    let openMs: number[] = [];
    for (let run = 0; run < opts.runs; run++) {
      opts.log(`tui: run ${run + 1}/${opts.runs}`);
      const t0 = performance.now();
      const replay = Replay.open(file);
      await replay.disassembler();
      steps = replay.trace.totalSteps;
      const renderTimes: number[] = [];
      const stdout = new FakeStdout();
      const stdin = new FakeStdin();
      let idle = 0;
      const app = render(createElement(App, { data: new PaneData(replay), initial: initialState(0), color: true, lazyMs: LAZY_MS, onIdle: () => idle++ }), {
        stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, stderr: stdout as unknown as NodeJS.WriteStream,
        exitOnCtrlC: false, patchConsole: false, maxFps: 60, onRender: ({ renderTime }) => renderTimes.push(renderTime),
      });
      openMs.push(performance.now() - t0);
      /** Presses a key; resolves with the time to the first frame and to the last one (the side pane filled). */
      const press = async (key: string): Promise<{ frame: number; filled: number; cpu: number }> => {
        const before = stdout.writes;
        const since = idle;
        const cpu0 = cpuMs();
        const t = performance.now();
        stdin.press(key);
        while (idle === since) await sleep(1);
        const frame = stdout.writes > before ? firstWriteAfter(t) : NaN;
        // Quiet: the side pane's delay has passed and nothing was written for 100 ms.
        while (performance.now() - t < LAZY_MS + 20 || performance.now() - stdout.lastWrite < 100) await sleep(10);
        return { frame, filled: stdout.lastWrite - t, cpu: firstWriteCpu - cpu0 };
      };
      // The first write after t: the FakeStdout keeps only the last, so watch for it.
      let firstWrite = 0;
      let firstWriteCpu = 0;
      const cpuMs = () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      const origWrite = stdout.write;
      stdout.write = (chunk: string) => {
        if (firstWrite === 0) {
          firstWrite = performance.now();
          firstWriteCpu = cpuMs();
        }
        return origWrite(chunk);
      };
      const firstWriteAfter = (t: number) => {
        const w = firstWrite;
        return w >= t ? w - t : NaN;
      };
      const samples: Record<string, number[]> = {};
      const filled: number[] = [];
      const cpu: number[] = [];
      const held: number[] = [];
      const rand = rng(0x7e1 + run);
      for (let i = 0; i < positions; i++) {
        const p = rand(steps);
        // Go there (not measured).
        for (const k of ['g', ...String(p), '\r']) {
          firstWrite = 0;
          await press(k);
        }
        for (const [label, key] of SEQUENCE) {
          firstWrite = 0;
          const r = await press(key);
          if (Number.isFinite(r.frame)) {
            (samples[label] ??= []).push(r.frame);
            cpu.push(r.cpu);
          }
          filled.push(r.filled);
        }
      }
      // A held key: 30 presses of s, 33 ms apart (a terminal's autorepeat), not waiting for frames; then the time
      // from the last press to the frame written after it.
      for (let i = 0; i < positions; i++) {
        for (const k of ['g', ...String(rand(steps)), '\r']) await press(k);
        let lastKey = 0;
        for (let k = 0; k < 30; k++) {
          firstWrite = 0;
          lastKey = performance.now();
          stdin.press('s');
          await sleep(33);
        }
        while (performance.now() - stdout.lastWrite < 100) await sleep(10);
        held.push(firstWrite - lastKey);
        await sleep(LAZY_MS + 200);
      }
      add('held s at 30 Hz: last press to its frame', held);
      for (const [label] of SEQUENCE.filter((x, i, a) => a.findIndex((y) => y[0] === x[0]) === i)) add(label, samples[label] ?? []);
      add('all keys above', Object.values(samples).flat());
      add('all keys above, CPU time to the frame', cpu);
      add('side pane (stack) filled in', filled);
      add('of which Ink output, per frame', renderTimes);
      app.unmount();
      replay.close();
    }
    const rows: Array<Record<string, Cell>> = Object.entries(perRun.measures).map(([k, v]) => ({
      measure: k, n: v.n, median: v.med, p95: v.p95, max: v.max, target: k.startsWith('side pane') ? `after ${LAZY_MS} ms idle` : '< 16 ms',
    }));
    rows.push({ measure: 'open (trace + first frame)', n: 1, median: openMs, p95: '', max: '', target: '' });
    openMs = [];
    return {
      columns: [
        { key: 'measure', label: `key (${steps.toLocaleString('en-US')} steps)`, format: 'text' },
        { key: 'n', label: 'keys/run', format: 'int' },
        ...SUMMARY_COLUMNS,
      ],
      rows,
      notes: [
        `key-to-frame in ms: a key on stdin to the first write of the frame showing its move (Ink, 60 fps throttle, 80x24); ${positions} random positions per run (fixed seed), keys ${LAZY_MS + 100}+ ms apart.`,
        `side pane: the stack pane is drawn after the frame, ${LAZY_MS} ms after the last key; its row is the time from the key to that second frame.`,
        'CPU time: the process\'s user+system time from the key to the frame (what other load on the machine does not inflate).',
      ],
    };
  },
};
