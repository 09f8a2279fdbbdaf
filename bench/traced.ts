// Benchmark "traced": every fixture recorded with full detail, next to the same fixture run untraced in the same
// bench run, so the slowdown is a ratio measured side by side. Each measurement runs in a fresh node process
// (peak RSS is per process; JIT warm-up does not leak between fixtures).
//
// Parent: `npm run bench -- traced [--fixtures a,b] [--jobs N]`. A fixture is NAME, NAME@RELEASE (the build by
// another Go release, e.g. compute@1.27) and either with :ARG,ARG (the program's arguments, e.g. compute@1.27:300).
// With --jobs N, the fixture is also recorded by the installed command with `--jobs 1` and with `--jobs N`, each
// timed whole (process start to exit), so the two are compared side by side in the same run.
// Child:  `node --import tsx bench/traced.ts --one SPEC --mode traced|untraced` prints `BENCH {json}`.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openProgram } from '../src/recorder/program.ts';
import { RecordSession } from '../src/recorder/session.ts';
import { WINTRACE_BIN } from '../tests/helpers/bin.ts';
import { fixtureExe, fixtureNames, ROOT } from '../tests/helpers/fixtures.ts';
import type { Benchmark, BenchOptions, BenchResult, Cell } from './run.ts';

const SELF = fileURLToPath(import.meta.url);
const MARK = 'BENCH ';

interface Sample {
  mode: 'traced' | 'untraced';
  /** Untraced: proc.run(). Traced: the recording after boot (run, header, segments, footer, fsync). */
  ms: number;
  /** Traced: load + boot + recording, what `wintrace record` takes as a whole. */
  totalMs: number;
  instructions: number;
  steps: number;
  bytes: number;
  peakRss: number;
}

/** `NAME[@RELEASE][:ARG,ARG]`: the fixture's executable and the arguments it runs with. */
function fixtureOf(spec: string): { exe: string; args: string[] } {
  const m = /^([\w-]+)(?:@(?:go)?([\d.]+))?(?::(.*))?$/.exec(spec);
  if (!m) throw new Error(`traced: ${spec}: expected NAME, NAME@RELEASE or either with :ARG,ARG`);
  return { exe: fixtureExe(m[1]!, m[2]), args: m[3] ? m[3].split(',') : [] };
}

function measure(spec: string, mode: Sample['mode']): Sample {
  const { exe, args } = fixtureOf(spec);
  if (mode === 'untraced') {
    const { process: proc, engine } = openProgram(exe, { args, env: {}, stdout: () => {}, stderr: () => {} });
    const t0 = performance.now();
    proc.run();
    const ms = performance.now() - t0;
    const instructions = Number(engine.executed);
    engine.close();
    return { mode, ms, totalMs: ms, instructions, steps: 0, bytes: 0, peakRss: process.resourceUsage().maxRSS * 1024 };
  }
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-bench-'));
  try {
    const t0 = performance.now();
    const s = new RecordSession({ program: exe, output: join(dir, 't.mp'), args, env: {} }).run();
    const totalMs = performance.now() - t0;
    // The same phase as the untraced figure (after load and boot), but with everything recording adds: the
    // header's memory capture, the traced run, encoding, compressing and writing every segment, footer, fsync.
    const ms = s.timings.recordMs;
    return { mode, ms, totalMs, instructions: Number(s.instructions), steps: Number(s.steps), bytes: s.bytes, peakRss: process.resourceUsage().maxRSS * 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function child(name: string, mode: Sample['mode']): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', SELF, '--one', name, '--mode', mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) reject(new Error(`bench child ${name} ${mode} failed (exit ${code})`));
      else resolve(JSON.parse(line.slice(MARK.length)) as Sample);
    });
  });
}

/** Seconds of a whole `wintrace record --jobs N` by the installed command (what a user waits for). */
function recordJobs(spec: string, jobs: number): number {
  const { exe, args } = fixtureOf(spec);
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-bench-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [WINTRACE_BIN, 'record', exe, '-o', join(dir, 't.mp'), '-q', '--jobs', String(jobs), '--', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`traced: record --jobs ${jobs} of ${spec} failed (exit ${r.status}): ${String(r.stderr).trim().split('\n').pop()}`);
    return (performance.now() - t0) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const traced: Benchmark = {
  name: 'traced',
  description: 'record every fixture with full detail; untraced run of the same fixture side by side',
  async run(opts: BenchOptions): Promise<BenchResult> {
    const rows: Array<Record<string, Cell>> = [];
    const jobs = Number(opts.params.jobs ?? 0);
    for (const name of opts.fixtures ?? fixtureNames()) {
      const t: number[] = [];
      const whole: number[] = [];
      const u: number[] = [];
      let last: Sample | undefined;
      let rss: number[] = [];
      const one: number[] = [];
      const many: number[] = [];
      for (let r = 0; r < opts.runs; r++) {
        opts.log(`traced: ${name} run ${r + 1}/${opts.runs}`);
        const a = await child(name, 'untraced');
        const b = await child(name, 'traced');
        u.push(a.instructions / (a.ms / 1000));
        t.push(b.instructions / (b.ms / 1000));
        whole.push(b.instructions / (b.totalMs / 1000));
        rss.push(b.peakRss);
        last = b;
        if (jobs > 1) {
          opts.log(`traced: ${name} run ${r + 1}/${opts.runs}: record --jobs 1 and --jobs ${jobs}`);
          one.push(b.instructions / recordJobs(name, 1));
          many.push(b.instructions / recordJobs(name, jobs));
        }
      }
      rows.push({
        fixture: name,
        instructions: last!.instructions,
        traced: t,
        untraced: u,
        whole,
        ratio: t.map((x, i) => u[i]! / x),
        bytesPerInsn: last!.steps > 0 ? Number((last!.bytes / last!.steps).toFixed(3)) : 0,
        fileMiB: last!.bytes,
        peakRss: rss,
        ...(jobs > 1 ? { jobs1: one, jobsN: many, jobsGain: many.map((x, i) => x / one[i]!) } : {}),
      });
      rss = [];
    }
    return {
      columns: [
        { key: 'fixture', label: 'fixture', format: 'text' },
        { key: 'instructions', label: 'instructions', format: 'int' },
        { key: 'traced', label: 'traced instr/s', format: 'rate' },
        { key: 'untraced', label: 'untraced instr/s', format: 'rate' },
        { key: 'ratio', label: 'slowdown', format: 'x' },
        { key: 'whole', label: 'record incl. boot', format: 'rate' },
        { key: 'bytesPerInsn', label: 'bytes/instr', format: 'text' },
        { key: 'fileMiB', label: 'file MiB', format: 'mib' },
        { key: 'peakRss', label: 'peak RSS (traced)', format: 'mib' },
        ...(jobs > 1 ? [
          { key: 'jobs1', label: 'wintrace record --jobs 1', format: 'rate' as const },
          { key: 'jobsN', label: `--jobs ${jobs}`, format: 'rate' as const },
          { key: 'jobsGain', label: `--jobs ${jobs} / --jobs 1`, format: 'x' as const },
        ] : []),
      ],
      rows,
      notes: [
        'untraced instr/s: instructions / proc.run(). traced instr/s: instructions / the recording after load and boot (header with the initial memory, the traced run, encoding, compressing and writing every segment, footer, fsync) — the same phase plus everything tracing adds.',
        'record incl. boot: instructions / the whole RecordSession.run(), load and boot of the program included (what `wintrace record` takes).',
        'bytes/instr is the file size over the steps recorded, header (the program image) included.',
        ...(jobs > 1 ? [`--jobs 1 and --jobs ${jobs}: instructions / the whole \`wintrace record\` by the installed command (process start to exit), one after the other in each run.`] : []),
      ],
    };
  },
};

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const i = process.argv.indexOf('--one');
  const m = process.argv.indexOf('--mode');
  const sample = measure(process.argv[i + 1]!, process.argv[m + 1] as Sample['mode']);
  process.stdout.write(`${MARK}${JSON.stringify(sample)}\n`);
}
