// Benchmark "replay": the replayer on a trace of at least 20M instructions — open, random seek, step backward,
// last-write lookup and full ABI check throughput — against issue 6's targets. The trace is recorded once per
// bench run (std-1000goroutines by default, 51M instructions), or given with --trace FILE.
//
//   npm run bench -- replay [--trace FILE] [--fixture NAME] [--samples N] [--runs N]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordSession } from '../src/recorder/session.ts';
import { Replay } from '../src/replayer/replay.ts';
import { SP_SLOT, slotNumber } from '../src/replayer/regfile.ts';
import { threadAt, threadStep } from '../src/replayer/stepping.ts';
import { fixtureExe, ROOT } from '../tests/helpers/fixtures.ts';
import type { Benchmark, BenchOptions, BenchResult, Cell } from './run.ts';
import { PerRun, rng, SUMMARY_COLUMNS } from './samples.ts';

const PARAMS = new Set(['trace', 'fixture', 'samples']);

function time(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

export const replay: Benchmark = {
  name: 'replay',
  description: 'open, random seek, step backward, last-write lookup and full check on a 20M+ instruction trace',
  async run(opts: BenchOptions): Promise<BenchResult> {
    for (const k of Object.keys(opts.params)) if (!PARAMS.has(k)) throw new Error(`replay: unknown parameter --${k} (known: ${[...PARAMS].join(', ')})`);
    const samples = Number(opts.params.samples ?? 200);
    const dir = mkdtempSync(join(tmpdir(), 'wintrace-bench-replay-'));
    try {
      let file = opts.params.trace;
      if (!file) {
        const fixture = opts.params.fixture ?? 'std-1000goroutines';
        file = join(dir, `${fixture}.mp`);
        opts.log(`replay: recording ${fixture}`);
        new RecordSession({ program: fixtureExe(fixture), output: file, args: [], env: {} }).run();
      }
      const perRun = new PerRun();
      const add = (k: string, xs: number[]) => perRun.add(k, xs);
      let steps = 0;
      let checkRate: number[] = [];
      let checkViolations = 0;
      for (let run = 0; run < opts.runs; run++) {
        opts.log(`replay: run ${run + 1}/${opts.runs}`);
        // Open: header and footer index only, a fresh Replay each time (the OS page cache is warm after the first).
        const opens: number[] = [];
        for (let i = 0; i < 5; i++) {
          let r: Replay | undefined;
          opens.push(time(() => (r = Replay.open(file!))));
          r!.close();
        }
        add('open', opens);
        const r = Replay.open(file);
        const t = r.trace;
        steps = t.totalSteps;
        const rand = rng(0x5eed + run);
        // Random seek: the full state (all threads' registers) at a random position, each in a new segment.
        const seeks: number[] = [];
        for (let i = 0; i < samples; i++) {
          const p = rand(t.totalSteps);
          seeks.push(time(() => t.state(p)));
        }
        add('seek (random position, cold segment)', seeks);
        // Step backward: from a random position, one instruction back on the same thread, state included.
        const backs: number[] = [];
        for (let i = 0; i < samples; i++) {
          const p = 1 + rand(t.totalSteps - 1);
          t.state(p);
          backs.push(time(() => t.state(threadStep(t, p, threadAt(t, p), -1))));
        }
        add('step backward (segment already open)', backs);
        // Last write: a stack word near SP at a random position (what a user clicks on in the stack pane).
        const lasts: number[] = [];
        for (let i = 0; i < samples; i++) {
          const p = 1 + rand(t.totalSteps - 1);
          const sp = slotNumber(t.regWords(p).regs, SP_SLOT);
          const a = sp + 8 * rand(32);
          lasts.push(time(() => r.memory.lastWrite(p, a, 8)));
        }
        add('last write (stack word, random position)', lasts);
        r.close();
        // Full check as a user runs it: `wintrace check` in its own process (cold JIT, the disassembler's WASM
        // compiled anew); its own report gives the time from opening the trace to the verdict.
        const cli = spawnSync(process.execPath, [join(ROOT, 'bin/wintrace.js'), 'check', file, '-q'], { encoding: 'utf8' });
        const m2 = /^(no violations|(\d+) violations?) .* in ([\d.]+) s$/m.exec(cli.stdout);
        if (!m2) throw new Error(`replay: wintrace check printed no summary (exit ${cli.status}): ${cli.stderr}`);
        const ms = Number(m2[3]) * 1000;
        checkRate.push(steps / (ms / 1000));
        checkViolations = Number(m2[2] ?? 0);
        add('full check (ms)', [ms]);
      }
      const targets: Record<string, string> = {
        open: '< 1,000 ms',
        'seek (random position, cold segment)': '< 20 ms',
        'step backward (segment already open)': '< 1 ms',
        'last write (stack word, random position)': '< 5 ms',
        'full check (ms)': '>= 20M steps/s',
      };
      const rows: Array<Record<string, Cell>> = Object.entries(perRun.measures).map(([k, v]) => ({
        measure: k, median: v.med, p95: v.p95, max: v.max, target: targets[k] ?? '',
      }));
      rows.push({ measure: 'check throughput (steps/s)', median: checkRate, p95: '', max: '', target: targets['full check (ms)']! });
      checkRate = [];
      return {
        columns: [
          { key: 'measure', label: `measure (${steps.toLocaleString('en-US')} steps)`, format: 'text' },
          ...SUMMARY_COLUMNS,
        ],
        rows,
        notes: [
          `times in ms unless stated; ${samples} samples per measure per run; positions and addresses from a fixed seed.`,
          `full check: \`wintrace check -q\` in a fresh process, the time it reports (open, events, disassembler load, static X18 scan, the pass); it found ${checkViolations} violations.`,
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
