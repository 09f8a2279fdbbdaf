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
//
// Start-up first: the real `wintrace tui` command in a pseudo-terminal (util-linux `script`, 80x24), from spawning
// node to the first frame on the terminal, in turn as the installed command runs it (bin/wintrace.js: the bundle
// dist/wintrace.cjs with the code cache an earlier start left), as its very first start does (no code cache), as
// tsc's modules in dist/ unbundled (node dist/cli/main.js) and as src/ under tsx (WINTRACE_FROM_SOURCE=1), the order
// rotating from run to run, on the demo (panic-recover, recorded once like the big trace) and on the big trace, each
// figure with the 1-minute load average when it was taken. `--startup` measures start-up only; `--modes
// bundle,first` leaves the others out. `--modes bundle,dist/other.cjs` also starts another bundle built beside
// dist/wintrace.cjs (e.g. a copy of the last build), so a change to start-up is measured side by side with what it
// replaces. The code caches live in a directory of the benchmark's own, warmed by one untimed start per mode.

import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RecordSession } from '../src/recorder/session.ts';
import { Replay } from '../src/replayer/replay.ts';
import { PaneData } from '../src/tui/pane-data.ts';
import { initialState } from '../src/tui/state/ui-state.ts';
import { fixtureExe, ROOT } from '../tests/helpers/fixtures.ts';
import type { Benchmark, BenchOptions, BenchResult, Cell } from './run.ts';
import { PerRun, rng, SUMMARY_COLUMNS } from './samples.ts';

const PARAMS = new Set(['trace', 'fixture', 'positions', 'nocache', 'startup', 'modes']);

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

/** A trace of this fixture in the temporary directory, recorded the first time (and when the format moved on). */
function keptTrace(fixture: string, opts: BenchOptions): string {
  const file = join(tmpdir(), `wintrace-bench-tui-${fixture}.mp`);
  if (!readable(file)) {
    opts.log(`tui: recording ${fixture} into ${file} (kept for later runs)`);
    new RecordSession({ program: fixtureExe(fixture), output: file, args: [], env: {} }).run();
  }
  return file;
}

const BIN = fileURLToPath(new URL('../bin/wintrace.js', import.meta.url));
const shq = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]/g, '');

interface StartSample {
  /** From spawning the command to the first frame on its terminal. */
  ms: number;
  /** 1-minute load average just before. */
  load: number;
}

/** How the command is started: what a user runs (after its first start, and its first), tsc's output without the
 * bundle, the sources under tsx. */
type StartMode = string;
const START_MODES: Record<StartMode, { label: string; script: string; env: NodeJS.ProcessEnv }> = {
  bundle: { label: 'bundle (bin/wintrace.js)', script: BIN, env: { WINTRACE_FROM_SOURCE: '0' } },
  first: { label: 'bundle, first start (no code cache)', script: BIN, env: { WINTRACE_FROM_SOURCE: '0', WINTRACE_CODE_CACHE: '0' } },
  modules: { label: 'dist/ modules unbundled', script: join(ROOT, 'dist/cli/main.js'), env: { WINTRACE_FROM_SOURCE: '0' } },
  tsx: { label: 'src/ under tsx', script: BIN, env: { WINTRACE_FROM_SOURCE: '1' } },
};
/** The benchmark's own code caches (XDG_CACHE_HOME of every start), so a user's are neither used nor changed. */
const CODE_CACHES = join(tmpdir(), `wintrace-bench-tui-code-cache-${process.pid}`);

/** Another bundle in the checkout: a .cjs script started as bin/wintrace.js starts its own, through a launcher, or
 * a .js ES module (the bundles before the code cache) started by node itself. */
function otherBundle(path: string): (typeof START_MODES)[string] {
  const bundle = join(ROOT, path);
  if (!/\.c?js$/.test(path) || !existsSync(bundle)) throw new Error(`tui: unknown --modes ${path} (known: ${Object.keys(START_MODES).join(', ')}, or a bundle's .cjs or .js path in the checkout)`);
  if (path.endsWith('.js')) return { label: `bundle ${path}`, script: bundle, env: { WINTRACE_FROM_SOURCE: '0' } };
  mkdirSync(CODE_CACHES, { recursive: true });
  const launcher = join(CODE_CACHES, `launch-${path.replace(/\W/g, '_')}.mjs`);
  writeFileSync(launcher, `import { runBundle } from ${JSON.stringify(pathToFileURL(join(ROOT, 'bin/code-cache.js')).href)};\nrunBundle(${JSON.stringify(bundle)}, process.argv[2]);\n`);
  return { label: `bundle ${path}`, script: launcher, env: { WINTRACE_FROM_SOURCE: '0' } };
}

/** Starts `wintrace tui FILE` in an 80x24 pseudo-terminal, waits for its first frame (the status line's
 * `0/TOTAL`), presses q and waits for the exit. */
async function firstFrame(file: string, total: number, mode: StartMode): Promise<StartSample> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...START_MODES[mode]!.env, XDG_CACHE_HOME: CODE_CACHES, TERM: 'xterm-256color' };
  // A user's terminal: Ink draws nothing before the exit in CI.
  delete env.CI;
  delete env.NODE_OPTIONS;
  const load = loadavg()[0]!;
  const t0 = performance.now();
  const child = spawn('script', ['-q', '-f', '-e', '-c', `stty cols 80 rows 24; exec node ${shq(START_MODES[mode]!.script)} tui ${shq(file)}`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  const mark = ` 0/${total} `;
  const ms = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tui: no first frame after 60 s:\n${stripAnsi(out).slice(-2000)}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (stripAnsi(out).includes(mark)) {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tui: exited ${code} before its first frame:\n${stripAnsi(out).slice(-2000)}`));
    });
  });
  child.stdin.write('q');
  const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
  if (code !== 0) {
    child.kill('SIGKILL');
    throw new Error(`tui: q did not end it cleanly (${code}):\n${stripAnsi(out).slice(-2000)}`);
  }
  return { ms, load };
}

/** Whether dist/ is older than some source (the launcher would then run src/ by itself; here it is forced). */
function distStale(): boolean {
  const r = spawnSync('find', ['src', '-newer', 'dist/wintrace.cjs', '-name', '*.ts*', '-print', '-quit'], { cwd: ROOT, encoding: 'utf8' });
  return r.status !== 0 || r.stdout.trim() !== '';
}

/** First-frame rows: per trace, the modes in turn within each run (rotating), with the load beside each. */
async function startup(traces: Array<[string, string]>, opts: BenchOptions): Promise<{ rows: Array<Record<string, Cell>>; notes: string[] }> {
  const modes = (opts.params.modes ?? 'bundle,first,modules,tsx').split(',');
  for (const m of modes) if (!(m in START_MODES)) START_MODES[m] = otherBundle(m);
  if (!existsSync(join(ROOT, 'dist/wintrace.cjs'))) {
    opts.log('tui: building dist/ (npm run build)');
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('tui: npm run build failed');
  }
  const notes: string[] = [];
  if (distStale()) notes.push('dist/ is older than some source file: its figures are those of the last build (npm run build).');
  const rows: Array<Record<string, Cell>> = [];
  for (const [label, file] of traces) {
    const r = Replay.open(file);
    const total = r.trace.totalSteps;
    r.close();
    const samples = new Map<StartMode, StartSample[]>(modes.map((m) => [m, []]));
    // The start that leaves each mode's code cache, as a user's first start does: not timed.
    for (const mode of modes) await firstFrame(file, total, mode);
    for (let run = 0; run < opts.runs; run++) {
      opts.log(`tui: first frame on ${label}, run ${run + 1}/${opts.runs}`);
      // Each mode in turn, the order rotating, so all see the same load and none is always first.
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(run + i) % modes.length]!;
        samples.get(mode)!.push(await firstFrame(file, total, mode));
      }
    }
    for (const [mode, xs] of samples) {
      rows.push({
        measure: `first frame, ${START_MODES[mode]!.label}: ${label} (${total.toLocaleString('en-US')} steps)`,
        n: 1,
        median: xs.map((x) => x.ms),
        p95: '',
        max: '',
        target: mode === 'bundle' ? '< 1 s' : '',
        load: xs.map((x) => x.load.toFixed(2)).join(' '),
      });
    }
  }
  notes.push('first frame: `wintrace tui FILE` spawned in an 80x24 pseudo-terminal (script -c) until its status line shows `0/TOTAL`, then q; the modes take turns, the order rotating; load: the 1-minute load average before each sample, in run order.');
  rmSync(CODE_CACHES, { recursive: true, force: true });
  notes.push('code cache: each mode\'s first start (untimed) leaves the cache its later starts use, as a user\'s first start does; "first start" runs without one (WINTRACE_CODE_CACHE=0).');
  return { rows, notes };
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
    const fixture = opts.params.fixture ?? 'std-1000goroutines';
    const file = opts.params.trace ?? keptTrace(fixture, opts);
    const start = await startup([['demo', keptTrace('panic-recover', opts)], [opts.params.trace ? file : fixture, file]], opts);
    const columns = [
      { key: 'measure', label: 'measure', format: 'text' as const },
      { key: 'n', label: 'keys/run', format: 'int' as const },
      ...SUMMARY_COLUMNS,
      { key: 'load', label: 'load avg', format: 'text' as const },
    ];
    if (opts.params.startup === 'true') return { columns, rows: start.rows, notes: start.notes };
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
    rows.push({ measure: 'open in process (trace + first frame)', n: 1, median: openMs, p95: '', max: '', target: '' });
    openMs = [];
    columns[0] = { key: 'measure', label: `measure (keys: ${steps.toLocaleString('en-US')} steps)`, format: 'text' };
    return {
      columns,
      rows: [...start.rows, ...rows],
      notes: [
        ...start.notes,
        `key-to-frame in ms: a key on stdin to the first write of the frame showing its move (Ink, 60 fps throttle, 80x24); ${positions} random positions per run (fixed seed), keys ${LAZY_MS + 100}+ ms apart.`,
        `side pane: the stack pane is drawn after the frame, ${LAZY_MS} ms after the last key; its row is the time from the key to that second frame.`,
        'CPU time: the process\'s user+system time from the key to the frame (what other load on the machine does not inflate).',
      ],
    };
  },
};
