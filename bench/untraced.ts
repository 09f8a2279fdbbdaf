// Benchmark "untraced": every fixture run to completion on the emulated Windows with no tracing, one fresh
// node process per fixture and run (peak RSS is process-wide and cumulative, and a fresh process also keeps JIT
// warm-up from one fixture out of the next).
//
// Parent: `npm run bench -- untraced [--fixtures a,b] [--quantum N] [--split]`.
// Child:  `node --import tsx bench/untraced.ts --one NAME [--quantum N] [--split]` prints one line
//         `BENCH {json}` (an UntracedSample) on stdout.
//
// --split wraps engine.start, the interrupt hook (API calls and system stubs, in JS), engine.write and engine
// map/protect/unmap, to show where run() spends its time. The wrappers cost a performance.now() pair per call.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UnicornEngine } from '../src/recorder/engine/unicorn.ts';
import { openProgram } from '../src/recorder/program.ts';
import { fixtureExe, fixtureNames, ROOT } from '../tests/helpers/fixtures.ts';
import type { Benchmark, BenchOptions, BenchResult, Cell, Column } from './run.ts';

const SELF = fileURLToPath(import.meta.url);
const MARK = 'BENCH ';

export interface UntracedSample {
  fixture: string;
  quantum: number | null;
  /** How run() ended, e.g. "exit 0", "budget", "deadlock". */
  end: string;
  /** openProgram: read + parse + lay out the PE, boot the process (ms). */
  loadMs: number;
  /** proc.run() (ms). */
  runMs: number;
  instructions: number;
  apiCalls: number;
  threads: number;
  /** Virtual time that passed during run() (ns): instructions plus the jumps taken while every thread slept. */
  virtualNs: number;
  /** process.resourceUsage().maxRSS at the end, in bytes (whole child process, cumulative maximum). */
  peakRss: number;
  /** maxRSS right after openProgram, in bytes. */
  bootRss: number;
  split?: {
    /** Calls of engine.start (scheduler slices). */
    slices: number;
    /** Wall time inside engine.start (ms): native emulation plus the JS hooks it calls back. */
    startMs: number;
    /** Wall time inside the interrupt hook (API calls, system stubs) (ms); a part of startMs. */
    trapMs: number;
    traps: number;
    /** Wall time in engine.map/protect/unmap during run() (ms); a part of trapMs (VirtualAlloc and friends). */
    memMs: number;
    memCalls: number;
    /** Wall time in engine.write during run(), inside and outside engine.start (ms): mostly the
     * KUSER_SHARED_DATA time updates at every slice and trap. */
    writeMs: number;
    writeCalls: number;
    /** Regions the engine has mapped when run() returns (Unicorn looks them up on slow-path accesses). */
    regions: number;
  };
}

// ---- child: one fixture, one run ----------------------------------------------------------------------------

function measureOne(name: string, quantum: number | undefined, split: boolean): UntracedSample {
  const acc = { slices: 0, startMs: 0, trapMs: 0, traps: 0, memMs: 0, memCalls: 0, writeMs: 0, writeCalls: 0, regions: 0 };
  if (split) {
    // The process registers its interrupt hook while it boots, so wrap it at the prototype (this child only).
    const proto = UnicornEngine.prototype;
    const hookInterrupt = proto.hookInterrupt;
    proto.hookInterrupt = function (this: UnicornEngine, cb) {
      return hookInterrupt.call(this, (intr) => {
        const t0 = performance.now();
        try {
          cb(intr);
        } finally {
          acc.trapMs += performance.now() - t0;
          acc.traps++;
        }
      });
    };
  }
  const t0 = performance.now();
  const { process: proc, engine } = openProgram(fixtureExe(name), {
    args: [],
    env: {},
    stdout: () => {},
    stderr: () => {},
    ...(quantum !== undefined ? { quantum } : {}),
  });
  const loadMs = performance.now() - t0;
  const bootRss = process.resourceUsage().maxRSS * 1024;
  try {
    if (split) {
      const start = engine.start.bind(engine);
      engine.start = (begin, opts) => {
        const s0 = performance.now();
        try {
          return start(begin, opts);
        } finally {
          acc.startMs += performance.now() - s0;
          acc.slices++;
        }
      };
      for (const m of ['map', 'protect', 'unmap', 'write'] as const) {
        const f = engine[m].bind(engine) as (...a: unknown[]) => void;
        (engine as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
          const s0 = performance.now();
          try {
            f(...a);
          } finally {
            const d = performance.now() - s0;
            if (m === 'write') {
              acc.writeMs += d;
              acc.writeCalls++;
            } else {
              acc.memMs += d;
              acc.memCalls++;
            }
          }
        };
      }
      acc.trapMs = 0; // traps during boot do not count
      acc.traps = 0;
    }
    const v0 = proc.clock.now();
    const r0 = performance.now();
    const end = proc.run();
    const runMs = performance.now() - r0;
    const virtualNs = Number(proc.clock.now() - v0);
    if (split) acc.regions = engine.regions().length;
    return {
      fixture: name,
      quantum: quantum ?? null,
      end: end.reason === 'exit' ? `exit ${end.exitCode}` : end.reason,
      loadMs,
      runMs,
      instructions: Number(engine.executed),
      apiCalls: proc.apiCalls,
      threads: proc.threads.length,
      virtualNs,
      peakRss: process.resourceUsage().maxRSS * 1024,
      bootRss,
      ...(split ? { split: acc } : {}),
    };
  } finally {
    engine.close();
  }
}

// ---- parent: spawn a child per fixture and run ---------------------------------------------------------------

/** A checkout to run the child from: this one, or a baseline worktree (`--baseline REV`). */
interface Build {
  label: string;
  root: string;
}

/**
 * `--baseline REV`: the same benchmark from a worktree of REV, run alternately with this checkout so both see the
 * same machine load (e.g. the region-per-commit guest memory on Debian's Unicorn 2.0.1 before c60bd5d). The worktree
 * shares this checkout's fixtures and node_modules and builds its own C hooks with its own build script.
 */
function baselineBuild(rev: string): Build {
  const sha = spawnSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: ROOT, encoding: 'utf8' });
  if (sha.status !== 0) throw new Error(`--baseline ${rev}: not a commit of this repository`);
  const id = sha.stdout.trim();
  const dir = join(ROOT, '.cache', 'bench-baseline', id.slice(0, 12));
  if (!existsSync(join(dir, 'bench', 'untraced.ts'))) {
    const add = spawnSync('git', ['worktree', 'add', '--force', '--detach', dir, id], { cwd: ROOT, encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`--baseline ${rev}: git worktree add failed: ${add.stderr.trim()}`);
  }
  for (const link of ['node_modules', join('fixtures', 'bin')]) {
    if (!existsSync(join(dir, link))) symlinkSync(join(ROOT, link), join(dir, link));
  }
  const native = spawnSync('bash', [join(dir, 'scripts', 'build-native.sh')], { cwd: dir, encoding: 'utf8' });
  if (native.status !== 0) throw new Error(`--baseline ${rev}: its scripts/build-native.sh failed: ${native.stderr.trim()}`);
  return { label: `baseline ${id.slice(0, 7)}`, root: dir };
}

function runChild(name: string, quantum: number | undefined, split: boolean, build?: Build): Promise<UntracedSample> {
  const args = ['--import', 'tsx', build ? join(build.root, 'bench', 'untraced.ts') : SELF, '--one', name];
  if (quantum !== undefined) args.push('--quantum', String(quantum));
  if (split) args.push('--split');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: build?.root ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').reverse().find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) {
        const last = (err.trim() || out.trim()).split('\n').pop() ?? '';
        reject(new ChildFailed(`${name}: benchmark child exited with ${code ?? child.signalCode}: ${last}`, code, last));
        return;
      }
      resolve(JSON.parse(line.slice(MARK.length)) as UntracedSample);
    });
  });
}

class ChildFailed extends Error {
  constructor(message: string, readonly code: number | null, readonly lastLine: string) {
    super(message);
  }
}

/** Samples that are identical in every run collapse to one value; otherwise the runner reports their spread. */
function cell(samples: number[]): Cell {
  return samples.every((s) => s === samples[0]) ? samples[0]! : samples;
}

function parseQuantum(params: Readonly<Record<string, string>>): number | undefined {
  if (params.quantum === undefined) return undefined;
  const q = Number(params.quantum.replace(/[_,]/g, '').replace(/k$/i, '000'));
  if (!Number.isInteger(q) || q < 1) throw new Error(`--quantum must be a positive integer, got ${params.quantum}`);
  return q;
}

async function run(opts: BenchOptions): Promise<BenchResult> {
  const known = new Set(['quantum', 'split', 'baseline']);
  const extra = Object.keys(opts.params).filter((k) => !known.has(k));
  if (extra.length > 0) throw new Error(`untraced: unknown parameter(s) ${extra.map((k) => `--${k}`).join(', ')}`);
  const quantum = parseQuantum(opts.params);
  const split = opts.params.split !== undefined && opts.params.split !== 'false';
  const names = opts.fixtures ?? fixtureNames();
  for (const n of names) fixtureExe(n); // fail early, with the build command, when one is missing
  const builds: Array<Build | undefined> = [undefined];
  if (opts.params.baseline !== undefined) builds.push(baselineBuild(opts.params.baseline));

  const columns: Column[] = [
    { key: 'fixture', label: 'fixture', format: 'text' },
    ...(builds.length > 1 ? [{ key: 'build', label: 'build', format: 'text' } as Column] : []),
    { key: 'load', label: 'load avg', format: 'text' },
    { key: 'end', label: 'end', format: 'text' },
    { key: 'loadMs', label: 'load ms', format: 'ms' },
    { key: 'runMs', label: 'run ms', format: 'ms' },
    { key: 'instructions', label: 'instructions', format: 'int' },
    { key: 'rate', label: 'instr/s', format: 'rate' },
    { key: 'apiCalls', label: 'API calls', format: 'int' },
    { key: 'threads', label: 'threads', format: 'int' },
    { key: 'virtualMs', label: 'virtual ms', format: 'ms' },
    { key: 'peakRss', label: 'peak RSS MiB', format: 'mib' },
  ];
  if (split) {
    columns.push(
      { key: 'slices', label: 'slices', format: 'int' },
      { key: 'memCalls', label: 'map/prot calls', format: 'int' },
      { key: 'regions', label: 'regions', format: 'int' },
      { key: 'startPct', label: 'in start', format: 'pct' },
      { key: 'trapPct', label: 'in traps', format: 'pct' },
      { key: 'memPct', label: 'in map/prot', format: 'pct' },
      { key: 'writePct', label: 'in write', format: 'pct' },
      { key: 'emuPct', label: 'native emu', format: 'pct' },
      { key: 'outsidePct', label: 'outside start', format: 'pct' },
    );
  }

  const rows: Array<Record<string, Cell>> = [];
  for (const name of names) {
    // Builds alternate run by run, so a change in the machine's load touches both alike.
    const per = builds.map(() => ({ samples: [] as UntracedSample[], loads: [] as number[], failed: undefined as ChildFailed | undefined }));
    for (let r = 0; r < opts.runs; r++) {
      for (const [b, build] of builds.entries()) {
        const slot = per[b]!;
        if (slot.failed) continue;
        slot.loads.push(loadavg()[0]!);
        try {
          const s = await runChild(name, quantum, split, build);
          opts.log(`${name}${build ? ` (${build.label})` : ''} run ${r + 1}/${opts.runs}: ${s.runMs.toFixed(0)} ms, ${s.instructions} instructions, ${s.end}`);
          slot.samples.push(s);
        } catch (e) {
          if (!(e instanceof ChildFailed) || build === undefined) throw e;
          opts.log(e.message);
          slot.failed = e; // a baseline that aborts (QEMU's region limit) is a result, not a broken benchmark
        }
      }
    }
    for (const [b, build] of builds.entries()) {
      const { samples, loads, failed } = per[b]!;
      const loadText = loads.map((l) => l.toFixed(1)).join('/');
      if (samples.length === 0) {
        rows.push({ fixture: name, build: build?.label ?? 'this', load: loadText, end: `failed: exit ${failed?.code}: ${failed?.lastLine.slice(0, 80)}` });
        continue;
      }
      const col = (f: (s: UntracedSample) => number) => cell(samples.map(f));
      const ends = [...new Set(samples.map((s) => s.end))];
      const row: Record<string, Cell> = {
        fixture: name,
        build: build?.label ?? 'this',
        load: loadText,
        end: ends.join(' / '),
        loadMs: col((s) => s.loadMs),
        runMs: col((s) => s.runMs),
        instructions: col((s) => s.instructions),
        rate: col((s) => s.instructions / (s.runMs / 1000)),
        apiCalls: col((s) => s.apiCalls),
        threads: col((s) => s.threads),
        virtualMs: col((s) => s.virtualNs / 1e6),
        peakRss: col((s) => s.peakRss),
        bootRss: col((s) => s.bootRss),
      };
      if (split) {
        const pct = (f: (x: NonNullable<UntracedSample['split']>, s: UntracedSample) => number) =>
          col((s) => (100 * f(s.split!, s)) / s.runMs);
        Object.assign(row, {
          slices: col((s) => s.split!.slices),
          memCalls: col((s) => s.split!.memCalls),
          writeCalls: col((s) => s.split!.writeCalls),
          regions: col((s) => s.split!.regions),
          startMs: col((s) => s.split!.startMs),
          trapMs: col((s) => s.split!.trapMs),
          memMs: col((s) => s.split!.memMs),
          writeMs: col((s) => s.split!.writeMs),
          startPct: pct((x) => x.startMs),
          trapPct: pct((x) => x.trapMs),
          memPct: pct((x) => x.memMs),
          writePct: pct((x) => x.writeMs),
          emuPct: pct((x) => x.startMs - x.trapMs),
          outsidePct: pct((x, s) => s.runMs - x.startMs),
        });
      }
      rows.push(row);
    }
  }

  const notes = [
    'load = openProgram (read, parse and lay out the PE, boot the process); run = proc.run(); instr/s = instructions / run.',
    'Each fixture and run is a fresh node process: cold JIT, and peak RSS (maxRSS) of that process alone.',
    `virtual ms = virtual time passed during run(); quantum = ${quantum ?? '50,000 (default)'} instructions.`,
  ];
  if (split) {
    notes.push('in start = inside engine.start; in traps = JS interrupt hook (API calls), inside start; ' +
      'in map/prot = engine.map/protect/unmap, inside traps; in write = engine.write, inside traps and outside ' +
      'start (mostly KUSER_SHARED_DATA time updates); native emu = in start − in traps; ' +
      'outside start = scheduler, context switches, shared-time writes.');
  }
  return { columns, rows, notes };
}

export const untraced: Benchmark = {
  name: 'untraced',
  description: 'each fixture run to completion, no tracing: run time, instructions/s, API calls, threads, peak RSS',
  run,
};

// ---- child entry ---------------------------------------------------------------------------------------------

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--one');
  const name = at >= 0 ? argv[at + 1] : undefined;
  if (!name) {
    console.error('usage: node --import tsx bench/untraced.ts --one FIXTURE [--quantum N] [--split]');
    process.exit(2);
  }
  const qi = argv.indexOf('--quantum');
  const quantum = qi >= 0 ? parseQuantum({ quantum: argv[qi + 1] ?? '' }) : undefined;
  const sample = measureOne(name, quantum, argv.includes('--split'));
  process.stdout.write(`${MARK}${JSON.stringify(sample)}\n`);
}
