// Benchmark "tui": key-to-frame time of the TUI for every key of src/tui/keys/bindings.ts a user presses at a
// place — from a key arriving on stdin to Ink writing the frame that shows its result — on the demo (panic-recover),
// on a trace of at least 20M instructions, and (the keys that need ABI violations: v, V, i) on the demo with X18
// clobbered in sigtramp. At each position the keys go in a user's order: the go-to that gets there, the moves, the
// prompts with an argument (the key that opens each and the Enter that runs it: w sp+0x10:8 then [ and ], B
// main.main then c and C, / runtime.mallocgc, x TEB, m sp, o x0), the panes, list keys and views; keys that only
// set up the state (the argument typed, a prompt or view closed) are not timed. Each key's row has its target:
// 16 ms (one frame at 60 Hz) for a key that moves or redraws, more for the go-to, the origin tree and the runs
// (continue, search). The real App renders through Ink (throttled at 60 fps as `wintrace tui` runs it) into a fake
// 80x24 terminal. Also reported: a held s, when the side panes have filled in after a key, Ink's time per frame.
//
//   npm run bench -- tui [--trace FILE] [--fixture NAME] [--positions N] [--far N] [--held N] [--runs N]
//
// --positions: random positions per run and trace (default 2); --far: at how many of them the runs over the
// trace (c, C, / Enter) are timed too (default 1: seconds each on the big trace); --held: positions of the held s
// (default 4). Without --trace the fixture (std-1000goroutines, 51M instructions) is recorded once into the
// temporary directory and kept there for later runs, as the demo is; the X18 trace is recorded anew each time.
//
// Start-up first: the real `wintrace tui` command in a pseudo-terminal (util-linux `script`, 80x24), from spawning
// node to the first frame on the terminal, in turn as the installed command runs it (bin/wintrace.js: the bundle
// dist/wintrace.cjs with the code cache an earlier start left), as its very first start does (no code cache), as
// tsc's modules in dist/ unbundled (node dist/cli/main.js) and as src/ under tsx (scripts/wintrace-src.js), the order
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
import { recordTuiTrace } from '../tests/helpers/tui-trace.ts';
import type { Benchmark, BenchOptions, BenchResult, Cell } from './run.ts';
import { PerRun, rng, SUMMARY_COLUMNS } from './samples.ts';
// @ts-expect-error plain JavaScript without declarations, shared with bin/wintrace.js
import { newerSource } from '../bin/stale-build.js';

const PARAMS = new Set(['trace', 'fixture', 'positions', 'far', 'held', 'nocache', 'startup', 'modes']);

class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 80;
  readonly rows = 24;
  writes = 0;
  lastWrite = 0;
  /** Times of the writes since the last clear; the frames among them (Ink writes each frame whole). */
  times: number[] = [];
  frames: Array<{ at: number; text: string }> = [];
  lastFrame = '';
  write = (chunk: string): boolean => {
    this.writes++;
    this.lastWrite = performance.now();
    this.times.push(this.lastWrite);
    // Ink wraps each frame in synchronized-output marks, written on their own.
    if (chunk.length > 32) {
      this.lastFrame = chunk;
      this.frames.push({ at: this.lastWrite, text: chunk });
    }
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

const ESC = '\x1b';
const ENTER = '\r';

/** Targets: one frame at 60 Hz for a key that moves or redraws; more for the keys that answer a query or run. */
const FRAME = '< 16 ms';
const JUMP = '< 50 ms';
const QUERY = '< 100 ms';
const RUN = '< 1 s, then Esc';

/** One key on stdin: timed in its row, or (no row) setting up the state the timed keys need. */
interface Press {
  readonly bytes: string;
  readonly row?: string;
  readonly group?: string;
  readonly target?: string;
  /** A run over the trace (continue, search): its steps per second are reported too. */
  readonly run?: boolean;
  /** Which frame shows the key's result, when the first does not (a run's progress, the go-to's closed prompt). */
  readonly shows?: Shows;
}

type Shows = (frame: string, from: number | undefined) => boolean;
const statusPosition = (frame: string): number | undefined => {
  const m = / (\d+)\/\d+ /.exec(stripAnsi(frame));
  return m ? Number(m[1]) : undefined;
};
/** A move: the frame where the position is another. */
const MOVED: Shows = (frame, from) => statusPosition(frame) !== from;
/** A continue: the frame after its progress. */
const STOPPED: Shows = (frame) => !/continuing\.\.\. scanned to/.test(stripAnsi(frame));

const setup = (bytes: string): Press => ({ bytes });
const rep = (n: number, p: Press): Press[] => Array.from({ length: n }, () => p);
const PANES = ['disassembly', 'registers', 'stack', 'memory', 'call stack', 'events', 'episodes', 'ABI violations', 'source'];

/** The keys a user presses at one place, in order; `far` adds the keys that run over the trace (c, C, / Enter). */
function keyScript(position: number, far: boolean): Press[] {
  const move = (bytes: string, row: string): Press => ({ bytes, row, group: 'moves', target: FRAME });
  const prompt = (bytes: string, row: string, target = FRAME): Press => ({ bytes, row, group: 'prompts', target });
  const pane = (bytes: string, row: string): Press => ({ bytes, row, group: 'panes, lists and views', target: FRAME });
  const runs = (bytes: string, row: string): Press => ({ bytes, row, group: 'prompts', target: RUN, run: true, shows: STOPPED });
  return [
    prompt('g', 'g  open the go-to prompt'), setup(String(position)), { ...prompt(ENTER, 'g Enter  go to a position', JUMP), shows: MOVED },
    ...rep(4, move('s', 's  step')), ...rep(4, move('S', 'S  step back')),
    ...rep(2, move('n', 'n  step over')), ...rep(2, move('N', 'N  step over back')),
    ...rep(2, move('e', 'e  next event')), ...rep(2, move('E', 'E  previous event')),
    move('p', 'p  next episode'), move('P', 'P  previous episode'),
    move('v', 'v  next ABI violation'), move('V', 'V  previous ABI violation'),
    move('r', 'r  previous change of x0'), move('R', 'R  next change of x0'),
    move('t', 't  next thread'), move('T', 'T  previous thread'),
    prompt('w', 'w  open the watch prompt'), setup('sp+0x10:8'), prompt(ENTER, 'w Enter  watch sp+0x10:8'),
    ...rep(2, move('[', '[  last write to the watch')), ...rep(2, move(']', ']  next write to the watch')),
    setup('w'), setup(ENTER),
    pane('b', 'b  toggle a breakpoint at pc'), pane('b', 'b  toggle a breakpoint at pc'),
    prompt('/', '/  open the search prompt'),
    ...(far ? [setup('runtime.mallocgc'), runs(ENTER, '/ Enter  next execution of runtime.mallocgc')] : [setup(ESC)]),
    prompt('B', 'B  open the breakpoint prompt'), setup('main.main'), prompt(ENTER, 'B Enter  breakpoint at main.main'),
    ...(far ? [runs('c', 'c  continue (main.main, exceptions)'), runs('C', 'C  reverse-continue')] : []),
    setup('B'), setup('main.main'), setup(ENTER),
    pane('i', 'i  explain the violation'), setup(ESC),
    pane('f', 'f  show/hide D8-D15'), pane('f', 'f  show/hide D8-D15'),
    pane('G', 'G  follow the goroutine (on, off)'), pane('G', 'G  follow the goroutine (on, off)'),
    pane('?', '?  the key list'), pane(ESC, 'Escape  close the key list'),
    ...rep(2, pane('\t', 'tab  focus the next pane')), ...rep(2, pane('\x1b[Z', 'shift-tab  focus the previous pane')),
    ...PANES.map((name, i) => pane(String(i + 1), `${i + 1}  ${name}`)),
    prompt('x', 'x  open the structure prompt'), setup('TEB'), prompt(ENTER, 'x Enter  decode TEB'),
    pane('0', '0  the structure'),
    prompt('m', 'm  open the memory prompt'), setup('sp'), prompt(ENTER, 'm Enter  memory at sp'),
    setup('6'),
    ...rep(2, pane('j', 'j/down  select down (events)')), pane('\x1b[B', 'j/down  select down (events)'),
    ...rep(2, pane('k', 'k/up  select up (events)')), pane('\x1b[A', 'k/up  select up (events)'),
    pane('\x1b[6~', 'pagedown  page down (events)'), pane('\x1b[5~', 'pageup  page up (events)'),
    pane(ENTER, 'Enter  go to the selected list row'),
    prompt('o', 'o  open the origin prompt'), setup('x0'), prompt(ENTER, 'o Enter  origin of x0 (the tree)', QUERY),
    pane(ESC, 'Escape  close the origin tree'),
    setup('1'),
  ];
}

/** On a trace with ABI violations: the keys that need one. */
function violationScript(position: number): Press[] {
  const move = (bytes: string, row: string): Press => ({ bytes, row, group: 'moves', target: FRAME });
  const pane = (bytes: string, row: string): Press => ({ bytes, row, group: 'panes, lists and views', target: FRAME });
  return [
    setup('g'), setup(String(position)), setup(ENTER),
    ...rep(2, move('v', 'v  next ABI violation')), ...rep(2, move('V', 'V  previous ABI violation')),
    pane('i', 'i  explain the violation'), pane(ESC, 'Escape  close the explanation'),
    setup('8'), setup('j'), pane(ENTER, 'Enter  go to the selected list row'),
    setup('1'),
  ];
}

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
  bundle: { label: 'bundle (bin/wintrace.js)', script: BIN, env: {} },
  first: { label: 'bundle, first start (no code cache)', script: BIN, env: { WINTRACE_CODE_CACHE: '0' } },
  modules: { label: 'dist/ modules unbundled', script: join(ROOT, 'dist/cli/main.js'), env: {} },
  tsx: { label: 'src/ under tsx', script: join(ROOT, 'scripts/wintrace-src.js'), env: {} },
};
/** The benchmark's own code caches (XDG_CACHE_HOME of every start), so a user's are neither used nor changed. */
const CODE_CACHES = join(tmpdir(), `wintrace-bench-tui-code-cache-${process.pid}`);

/** Another bundle in the checkout: a .cjs script started as bin/wintrace.js starts its own, through a launcher, or
 * a .js ES module (the bundles before the code cache) started by node itself. */
function otherBundle(path: string): (typeof START_MODES)[string] {
  const bundle = join(ROOT, path);
  if (!/\.c?js$/.test(path) || !existsSync(bundle)) throw new Error(`tui: unknown --modes ${path} (known: ${Object.keys(START_MODES).join(', ')}, or a bundle's .cjs or .js path in the checkout)`);
  if (path.endsWith('.js')) return { label: `bundle ${path}`, script: bundle, env: {} };
  mkdirSync(CODE_CACHES, { recursive: true });
  const launcher = join(CODE_CACHES, `launch-${path.replace(/\W/g, '_')}.mjs`);
  writeFileSync(launcher, `import { runBundle } from ${JSON.stringify(pathToFileURL(join(ROOT, 'bin/code-cache.js')).href)};\nrunBundle(${JSON.stringify(bundle)}, process.argv[2]);\n`);
  return { label: `bundle ${path}`, script: launcher, env: {} };
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

/** Whether dist/ is older than some source: the bundle modes then measure the last build. */
const distStale = () => (newerSource as (root: string, bundle: string) => string | undefined)(ROOT, join(ROOT, 'dist/wintrace.cjs')) !== undefined;

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

type Ui = {
  render: typeof import('ink').render;
  createElement: typeof import('react').createElement;
  App: typeof import('../src/tui/App.tsx').App;
};

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Pressed {
  /** Key to the frame showing its result: the last one written before the App went idle (NaN: none written). */
  done: number;
  /** The process's CPU time from the key to its first write. */
  cpu: number;
  /** Key to the last frame once quiet (the side panes filled in). */
  filled: number;
}

/** The real App rendered through Ink (60 fps throttle, as `wintrace tui` runs it) into a fake 80x24 terminal. */
class Session {
  readonly stdout = new FakeStdout();
  readonly stdin = new FakeStdin();
  readonly renderTimes: number[] = [];
  private idle = 0;
  private firstCpu = NaN;
  private readonly app: ReturnType<Ui['render']>;

  constructor(readonly replay: Replay, ui: Ui) {
    const write = this.stdout.write;
    this.stdout.write = (chunk: string) => {
      if (Number.isNaN(this.firstCpu)) this.firstCpu = cpuMs();
      return write(chunk);
    };
    const onIdle = () => this.idle++;
    this.app = ui.render(ui.createElement(ui.App, { data: new PaneData(replay), initial: initialState(0), color: true, lazyMs: LAZY_MS, onIdle }), {
      stdout: this.stdout as unknown as NodeJS.WriteStream, stdin: this.stdin as unknown as NodeJS.ReadStream, stderr: this.stdout as unknown as NodeJS.WriteStream,
      exitOnCtrlC: false, patchConsole: false, maxFps: 60, onRender: ({ renderTime }) => this.renderTimes.push(renderTime),
    });
  }

  /** The position the status line of the last frame shows. */
  position(): number | undefined {
    return statusPosition(this.stdout.lastFrame);
  }

  /** Waits until nothing has been written for 100 ms (the App's first idle moments: the events are read then). */
  async quiet(ms = 100): Promise<void> {
    while (performance.now() - this.stdout.lastWrite < ms) await sleep(10);
  }

  /** Presses a key (or types a string), waits until the App is idle and the side panes have filled in. */
  async press(bytes: string, shows?: Shows): Promise<Pressed> {
    const out = this.stdout;
    out.times = [];
    out.frames = [];
    this.firstCpu = NaN;
    const from = this.position();
    const since = this.idle;
    const cpu0 = cpuMs();
    const t = performance.now();
    this.stdin.press(bytes);
    // Idle: every key applied (a run or a go-to finished); React draws the last state after it.
    while (this.idle === since) {
      if (performance.now() - t > 600_000) throw new Error(`tui: ${JSON.stringify(bytes)} did not finish in 10 minutes`);
      await sleep(1);
    }
    while (performance.now() - t < LAZY_MS + 20 || performance.now() - out.lastWrite < 100) await sleep(10);
    const frame = shows ? out.frames.find((f) => shows(f.text, from)) : out.frames[0];
    return { done: (frame?.at ?? NaN) - t, cpu: this.firstCpu - cpu0, filled: out.lastWrite - t };
  }

  /** 30 presses of s 33 ms apart (a terminal's autorepeat), not waiting for frames: the last press to its frame. */
  async held(): Promise<number> {
    let lastKey = 0;
    for (let k = 0; k < 30; k++) {
      this.stdout.times = [];
      lastKey = performance.now();
      this.stdin.press('s');
      await sleep(33);
    }
    await this.quiet();
    const t = this.stdout.times[0] ?? NaN;
    await sleep(LAZY_MS + 200);
    return t - lastKey;
  }

  close(): void {
    this.app.unmount();
  }
}

/** A trace the keys are timed on: its label in the table, the file, and whether it is the one with violations. */
interface KeyTrace {
  readonly label: string;
  readonly file: string;
  readonly violations?: boolean;
}

interface RowInfo {
  readonly group: string;
  readonly target: string;
}

/** What one run of the keys on one trace gives. */
interface TraceRun {
  samples: Map<string, number[]>;
  /** Timed keys that wrote no frame (nothing to change: k on the first row, t with one thread). */
  silent: Map<string, number>;
  /** Runs over the trace: steps moved and milliseconds. */
  runSteps: number;
  runMs: number;
  frameCpu: number[];
  filled: number[];
  held: number[];
  openMs: number;
  load: number;
  steps: number;
  renderTimes: number[];
}

async function keysOn(trace: KeyTrace, ui: Ui, run: number, opts: { positions: number; far: number; held: number }, rows: Map<string, RowInfo>): Promise<TraceRun> {
  const t0 = performance.now();
  const replay = Replay.open(trace.file);
  await replay.disassembler();
  // The first v, V, i or 8 runs the ABI check (a progress line, then the answer): done here, not timed.
  await replay.check();
  const session = new Session(replay, ui);
  const openMs = performance.now() - t0;
  const steps = replay.trace.totalSteps;
  // The events are read in the first idle moment after the first frame (seconds on a big trace): not a key's.
  const wait = performance.now();
  while (!replay.trace.eventsLoaded && performance.now() - wait < 120_000) await sleep(50);
  await session.quiet(300);
  const r: TraceRun = { samples: new Map(), silent: new Map(), runSteps: 0, runMs: 0, frameCpu: [], filled: [], held: [], openMs, load: loadavg()[0]!, steps, renderTimes: session.renderTimes };
  const rand = rng(0x7e1 + run);
  for (let i = 0; i < opts.positions; i++) {
    const p = rand(steps);
    const script = trace.violations ? violationScript(p) : keyScript(p, i < opts.far);
    for (const k of script) {
      const from = session.position();
      const x = await session.press(k.bytes, k.shows);
      if (!k.row) continue;
      if (!rows.has(k.row)) rows.set(k.row, { group: k.group!, target: k.target! });
      if (!Number.isFinite(x.done)) {
        r.silent.set(k.row, (r.silent.get(k.row) ?? 0) + 1);
        continue;
      }
      let xs = r.samples.get(k.row);
      if (!xs) r.samples.set(k.row, (xs = []));
      xs.push(x.done);
      r.filled.push(x.filled);
      if (k.target === FRAME) r.frameCpu.push(x.cpu);
      const to = session.position();
      if (k.run && from !== undefined && to !== undefined) {
        r.runSteps += Math.abs(to - from);
        r.runMs += x.done;
      }
    }
  }
  if (!trace.violations) {
    for (let i = 0; i < opts.held; i++) {
      for (const k of ['g', String(rand(steps)), '\r']) await session.press(k);
      r.held.push(await session.held());
    }
  }
  session.close();
  replay.close();
  return r;
}

const GROUPS = ['moves', 'prompts', 'panes, lists and views'];

export const tui: Benchmark = {
  name: 'tui',
  description: 'TUI first frame, and key-to-frame time of every key on the demo and on a 20M+ instruction trace',
  async run(opts: BenchOptions): Promise<BenchResult> {
    for (const k of Object.keys(opts.params)) if (!PARAMS.has(k)) throw new Error(`tui: unknown parameter --${k} (known: ${[...PARAMS].join(', ')})`);
    const count = (name: string, dflt: number) => {
      const n = Number(opts.params[name] ?? dflt);
      if (!Number.isInteger(n) || n < 0) throw new Error(`tui: --${name} must be a whole number (got ${opts.params[name]})`);
      return n;
    };
    const keyOpts = { positions: count('positions', 2), far: count('far', 1), held: count('held', 4) };
    // As \`wintrace tui\` runs it: React's production build (imported here, after NODE_ENV is set).
    process.env.NODE_ENV ??= 'production';
    const { render } = await import('ink');
    const { createElement } = await import('react');
    const { App } = await import('../src/tui/App.tsx');
    const { keepInkLineCaches } = await import('../src/tui/ink-line-cache.ts');
    if (opts.params.nocache !== 'true' && !(await keepInkLineCaches())) opts.log('tui: this Ink has no line caches to keep');
    const fixture = opts.params.fixture ?? 'std-1000goroutines';
    const file = opts.params.trace ?? keptTrace(fixture, opts);
    const big = opts.params.trace ? file : fixture;
    const demo = keptTrace('panic-recover', opts);
    const start = await startup([['demo', demo], [big, file]], opts);
    const columns = [
      { key: 'measure', label: 'measure', format: 'text' as const },
      { key: 'trace', label: 'trace', format: 'text' as const },
      { key: 'n', label: 'keys/run', format: 'int' as const },
      ...SUMMARY_COLUMNS,
      { key: 'load', label: 'load avg', format: 'text' as const },
    ];
    if (opts.params.startup === 'true') return { columns, rows: start.rows, notes: start.notes };
    const x18 = recordTuiTrace();
    const traces: KeyTrace[] = [{ label: 'demo', file: demo }, { label: big, file }, { label: 'demo, x18 clobbered', file: x18.path, violations: true }];
    const rowInfo = new Map<string, RowInfo>();
    const perRun = new PerRun();
    const byTrace = new Map<string, TraceRun[]>();
    try {
      for (let run = 0; run < opts.runs; run++) {
        for (const t of traces) {
          opts.log(`tui: every key on ${t.label}, run ${run + 1}/${opts.runs}`);
          const r = await keysOn(t, { render, createElement, App }, run, keyOpts, rowInfo);
          byTrace.set(t.label, [...(byTrace.get(t.label) ?? []), r]);
          for (const [row, xs] of r.samples) perRun.add(`${row}\0${t.label}`, xs);
          perRun.add(`held\0${t.label}`, r.held);
          perRun.add(`all\0${t.label}`, [...r.samples].filter(([row]) => rowInfo.get(row)!.target === FRAME).flatMap(([, xs]) => xs));
          perRun.add(`cpu\0${t.label}`, r.frameCpu);
          perRun.add(`filled\0${t.label}`, r.filled);
          perRun.add(`ink\0${t.label}`, r.renderTimes);
        }
      }
    } finally {
      x18.cleanup();
    }
    const rows: Array<Record<string, Cell>> = [...start.rows];
    const stepsOf = (label: string) => byTrace.get(label)![0]!.steps.toLocaleString('en-US');
    const loadOf = (label: string) => byTrace.get(label)!.map((r) => r.load.toFixed(2)).join(' ');
    const row = (measure: string, label: string, key: string, target: string) => {
      const v = perRun.measures[`${key}\0${label}`];
      if (v) rows.push({ measure, trace: label, n: v.n, median: v.med, p95: v.p95, max: v.max, target, load: loadOf(label) });
    };
    for (const group of GROUPS) {
      rows.push({ measure: `${group}:` });
      for (const [name, info] of rowInfo) {
        if (info.group !== group) continue;
        for (const t of traces) row(name, t.label, name, info.target);
      }
    }
    rows.push({ measure: 'over all keys:' });
    for (const t of traces.filter((x) => !x.violations)) {
      row('held s at 30 Hz: last press to its frame', t.label, 'held', FRAME);
      row(`all ${FRAME} keys above`, t.label, 'all', FRAME);
      row(`all ${FRAME} keys above, CPU time to the frame`, t.label, 'cpu', FRAME);
      row('side panes filled in', t.label, 'filled', `after ${LAZY_MS} ms idle`);
      row('of which Ink output, per frame', t.label, 'ink', FRAME);
      rows.push({ measure: 'open in process (trace, ABI check, first frame)', trace: t.label, n: 1, median: byTrace.get(t.label)!.map((r) => r.openMs), p95: '', max: '', target: '', load: loadOf(t.label) });
    }
    const notes = [
      ...start.notes,
      `traces: demo = panic-recover (${stepsOf('demo')} steps), ${big} (${stepsOf(big)} steps), demo, x18 clobbered = panic-recover with X18 overwritten in sigtramp (${stepsOf(traces[2]!.label)} steps, the ABI violations v, V, i need; tests/helpers/tui-trace.ts).`,
      `key-to-frame in ms: a key on stdin to the write of the frame showing its result (the first frame after it; for g Enter the first at another position, for c and C the first after their progress frames), Ink at 60 fps, 80x24; ${keyOpts.positions} random positions per run and trace (fixed seed), the keys of src/tui/keys/bindings.ts in a user's order at each, each 160+ ms after the last frame; the runs over the trace (c, C, / Enter) at the first ${keyOpts.far}.`,
      `targets: ${FRAME} (a frame at 60 Hz) for a key that moves or redraws; ${JUMP} for g Enter (it shows "going to" for 15 ms first); ${QUERY} for o Enter (a backward search for the writers); ${RUN} for continue and search, which show their progress and stop on Esc.`,
      ...traces.flatMap((t) => {
        const rs = byTrace.get(t.label)!;
        const steps = rs.reduce((a, r) => a + r.runSteps, 0);
        const ms = rs.reduce((a, r) => a + r.runMs, 0);
        const silent = new Map<string, number>();
        for (const r of rs) for (const [k, n] of r.silent) silent.set(k, (silent.get(k) ?? 0) + n);
        return [
          ...(ms > 0 ? [`${t.label}: c, C and / Enter moved ${steps.toLocaleString('en-US')} steps in ${Math.round(ms).toLocaleString('en-US')} ms, ${(steps / ms / 1000).toFixed(1)}M steps/s.`] : []),
          ...(silent.size ? [`${t.label}: keys that changed nothing on the screen (not counted): ${[...silent].map(([k, n]) => `${k.split('  ')[0]} ×${n}`).join(', ')}.`] : []),
        ];
      }),
      `ABI check: run before the keys, not timed (the first v, V, i or 8 runs it, showing a progress line). Side panes: drawn ${LAZY_MS} ms after the last key; their row is the time from the key to that frame.`,
      'CPU time: the process\'s user+system time from the key to its first write (what other load on the machine does not inflate). load avg: the 1-minute load average as each run began on that trace.',
    ];
    return { columns, rows, notes };
  },
};
