// `wintrace record [prog.exe] [-o trace.mp] [-- args...]`: record a full per-instruction trace.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { BadImageError, UsageError } from '../../errors.ts';
import { interrupts } from '../../recorder/interrupts.ts';
import { parseConsoleEvents } from '../../recorder/windows/console-events.ts';
import { type ParallelSummary, recordInParallel, type WorkerState } from '../../recorder/parallel-record.ts';
import { type RecordOptions, type RecordProgress, type RecordSummary, RecordSession } from '../../recorder/session.ts';
import { parseShareSpec, runShareWorker } from '../../recorder/share-worker.ts';
import { SEGMENT_STEPS } from '../../trace/schema.ts';
import { tidName } from '../../replayer/describe.ts';
import { exitStatus } from '../../replayer/describe.ts';
import { parseEnv, parseSandbox, parseTimeout, programArgs } from '../options.ts';
import { progressLine } from '../progress.ts';
import { denialLines, endLines } from '../run-end.ts';

/**
 * Instructions a recording runs when no --max-instructions is given. Nothing else bounds a runaway program: a spin
 * loop reached 7.5G instructions and 393 MB of trace in 10 minutes. 2G instructions take about 3 minutes to record
 * at the measured 10-12M/s, hold every fixture and Go test program recorded so far many times over, and stop the
 * run with a line saying how to go further.
 */
export const DEFAULT_MAX_INSTRUCTIONS = 2_000_000_000;

/** The bundled demo: a recovered nil-pointer dereference, the exception path wintrace exists to show. */
export const DEMO_PROGRAM = fileURLToPath(new URL('../../../fixtures/bin/panic-recover.exe', import.meta.url));

interface RecordArgs {
  program?: string;
  args?: string[];
  output: string;
  env?: string[];
  maxInstructions?: number;
  timeout?: number;
  mount?: string[];
  startAt?: string;
  stopAt?: string;
  quantum?: number;
  consoleEvent?: string[];
  quiet?: boolean;
  selfContained?: boolean;
  threads?: boolean;
  jobs?: number;
  jobsShare?: number;
  share?: string;
}

/**
 * Instructions each worker of `--jobs` traces at a time: 256 segments. A worker runs untraced through the other
 * workers' shares, and attaching the tracer again flushes Unicorn's translations, so a share is long enough to
 * make that flush small beside it.
 */
const DEFAULT_JOBS_SHARE = 256 * SEGMENT_STEPS;

function human(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : `${n}`;
}

/** A window of instruction counts that ends where it starts or before would record nothing: say so before running. */
function checkWindow(startAt: string | undefined, stopAt: string | undefined): void {
  const count = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? BigInt(v) : undefined);
  const start = count(startAt);
  const stop = count(stopAt);
  if (start !== undefined && stop !== undefined && stop <= start) {
    throw new UsageError(`--stop-at ${stopAt} is not after --start-at ${startAt}: the window would hold no instruction`);
  }
}

/** --jobs-share as a whole number of segments; --jobs with a window or a wall-clock limit is refused: each worker would stop elsewhere. */
function jobsShare(argv: RecordArgs): bigint {
  const conflict = argv.startAt !== undefined ? '--start-at' : argv.stopAt !== undefined ? '--stop-at' : argv.timeout !== undefined ? '--timeout' : undefined;
  if (conflict) throw new UsageError(`--jobs ${argv.jobs} cannot be combined with ${conflict} yet: record with --jobs 1`);
  const size = argv.jobsShare ?? DEFAULT_JOBS_SHARE;
  if (size % SEGMENT_STEPS !== 0) throw new UsageError(`--jobs-share ${size}: expected a multiple of ${SEGMENT_STEPS} instructions (one segment)`);
  return BigInt(size);
}

/** Each worker on the progress line: the share it traces, or the instruction count it runs to untraced. */
function workersLine(workers: readonly WorkerState[], t0: number): string {
  const secs = ((performance.now() - t0) / 1000).toFixed(0);
  return `${secs} s: ${workers.map((w, i) => `worker ${i + 1} ${w.tracing ? `tracing ${human(Number(w.instructions))}` : `running to ${human(Number(w.from))}`}`).join(', ')} (Ctrl-C stops, keeping no trace)`;
}

/** A parallel recording's summary in the single recording's terms (the workers ran the program; the parent wrote the file). */
function summaryOf(p: ParallelSummary, denials: string[]): RecordSummary {
  denials.push(...p.done.denials);
  const s = p.footer.summary;
  return {
    instructions: s.instructions, steps: p.footer.totalSteps, threads: s.threads, exceptions: s.exceptions, apiCalls: s.apiCalls,
    bytes: p.bytes, segments: p.footer.segments.length, exitCode: s.exitCode, end: p.done.end, output: '',
    timings: { bootMs: 0, recordMs: 0 }, perThread: p.done.perThread,
  };
}

export const recordCommand: CommandModule<object, RecordArgs> = {
  command: 'record [program] [args..]',
  describe: 'Record a full per-instruction trace of a program (the bundled demo when none is given)',
  builder: (y: Argv) =>
    y
      .positional('program', { type: 'string', describe: 'PE32+ ARM64 executable (default: the bundled panic-recover demo)' })
      .positional('args', { type: 'string', array: true, describe: 'arguments for the program (after --)' })
      .option('output', { alias: 'o', type: 'string', default: 'trace.mp', describe: 'trace file to write' })
      .option('env', { type: 'string', array: true, describe: 'add K=V to the guest environment' })
      .option('max-instructions', { type: 'number', describe: `stop after this many instructions (the trace stays readable; default ${DEFAULT_MAX_INSTRUCTIONS})` })
      .option('timeout', { type: 'number', describe: 'stop after this many seconds of wall-clock time (the trace stays readable)' })
      .option('mount', { type: 'string', array: true, describe: 'let the guest read host directory HOST as GUEST (HOST:C:\\data), read-only' })
      .option('start-at', { type: 'string', describe: 'record full detail from this instruction count or symbol' })
      .option('stop-at', { type: 'string', describe: 'stop full detail at this instruction count or symbol' })
      .option('quantum', { type: 'number', default: 50_000, describe: 'instructions per scheduling slice' })
      .option('console-event', { type: 'string', array: true, describe: 'raise a console control event (ctrl-c, ctrl-break or close) once N instructions have run (KIND@N) or at N ms of virtual time (KIND@Nms), e.g. ctrl-c@5000000, ctrl-c@2500ms; repeatable' })
      .option('self-contained', {
        type: 'boolean',
        describe: 'store the program\'s image in the trace (~1 MB more), so that it opens with the program gone or changed; by default the trace ' +
          'names the program by path, size and sha256 and leaves out its pages that equal the file: keep the program (or pass --program FILE when opening); ' +
          'the bundled demo is recorded by reference too, its program staying where setup built it',
      })
      .option('threads', { type: 'boolean', describe: 'also list each thread: start routine, instructions, exit' })
      .option('jobs', { type: 'number', default: 1, describe: 'experimental: record with N worker processes, each tracing every N-th share of the run and running the others untraced; the trace is byte for byte the one --jobs 1 writes, checked by a digest of the emulated state where each share begins (not with --start-at, --stop-at or --timeout)' })
      .option('jobs-share', { type: 'number', default: DEFAULT_JOBS_SHARE, describe: 'with --jobs: instructions each worker traces at a time, a multiple of 16384' })
      .option('share', { type: 'string', hidden: true, describe: "internal: one worker's shares of a --jobs recording (FROM:SIZE:STRIDE:FILE)" })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress line or summary' }) as Argv<RecordArgs>,
  handler: async (argv: ArgumentsCamelCase<RecordArgs>) => {
    const program = argv.program ?? DEMO_PROGRAM;
    if (!argv.program && !existsSync(program)) {
      throw new BadImageError('fixtures/bin/panic-recover.exe', 'the bundled demo is not built: run scripts/setup.sh');
    }
    checkWindow(argv.startAt, argv.stopAt);
    const sandbox = parseSandbox(argv.mount ?? []);
    const timeoutMs = parseTimeout(argv.timeout);
    const consoleEvents = parseConsoleEvents(argv.consoleEvent ?? []);
    const t0 = performance.now();
    const line = progressLine('recording', argv.quiet ? { write: () => true } : process.stderr);
    const progress = (p: RecordProgress) => {
      const secs = (performance.now() - t0) / 1000;
      line.update(`${human(Number(p.instructions))} instructions, ${human(Number(p.instructions) / Math.max(secs, 1e-3))}/s, ${p.threads} threads, ${human(p.bytes)}B (Ctrl-C stops, keeping the trace)`);
    };
    const maxInstructions = argv.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS;
    const run: Omit<RecordOptions, 'output'> = {
      program, args: programArgs(argv), env: parseEnv(argv.env ?? []),
      maxInstructions: BigInt(maxInstructions),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      sandbox,
      ...(argv.startAt !== undefined ? { startAt: argv.startAt } : {}),
      ...(argv.stopAt !== undefined ? { stopAt: argv.stopAt } : {}),
      quantum: argv.quantum,
      consoleEvents,
      selfContained: argv.selfContained === true,
    };
    if (argv.share !== undefined) {
      runShareWorker(parseShareSpec(argv.share), run);
      return;
    }
    const stdout = line.around((b) => process.stdout.write(b));
    const stderr = line.around((b) => process.stderr.write(b));
    const s = (argv.jobs ?? 1) > 1
      ? summaryOf(await recordInParallel({
        program, output: argv.output, jobs: argv.jobs!, shareSize: jobsShare(argv), argv: process.argv.slice(process.argv.indexOf('record') + 1),
        stdout, stderr, onProgress: (w) => line.update(workersLine(w, t0)),
      }), sandbox.denials)
      : new RecordSession({ ...run, output: argv.output, interruptible: true, onProgress: progress, stdout, stderr }).run();
    line.done();
    if (!argv.quiet) {
      const secs = (performance.now() - t0) / 1000;
      const steps = Number(s.steps);
      process.stderr.write(
        `wintrace: recorded ${argv.output}: ${s.instructions} instructions (${steps} in full detail), ${s.threads} threads, ` +
        `${s.exceptions} exceptions, ${s.apiCalls} API calls, ${s.bytes} bytes ` +
        `(${steps > 0 ? (s.bytes / steps).toFixed(2) : '0'} bytes/instruction), ${secs.toFixed(1)} s; ` +
        `program exit code ${exitStatus(s.exitCode)}${s.end.reason === 'exit' ? '' : ` (${s.end.reason})`}\n`,
      );
    }
    if (argv.threads) {
      for (const t of s.perThread) {
        process.stderr.write(`  thread ${tidName(t.tid)}: ${t.start}, ${t.instructions} instructions, ${t.state}${t.state === 'exited' ? ` (${exitStatus(t.exitCode)})` : ''}\n`);
      }
    }
    const ends = argv.maxInstructions === undefined && s.end.reason === 'budget'
      ? [`wintrace: stopped after ${DEFAULT_MAX_INSTRUCTIONS} instructions, record's default limit: give --max-instructions N to record more`]
      : endLines(s.end, { maxInstructions, timeoutSeconds: argv.timeout });
    for (const line of [...ends, ...denialLines(sandbox.denials)]) process.stderr.write(`${line}\n`);
    process.exitCode = s.end.reason === 'exit' ? 0 : s.end.reason === 'interrupted' ? interrupts.exitStatus() : s.end.exitCode;
  },
};
