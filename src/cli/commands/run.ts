// `wintrace run prog.exe [-- args...]`: run a program untraced on the emulated Windows, pass its console output
// through, and exit with its exit code.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { UnicornEngine } from '../../recorder/engine/unicorn.ts';
import { interrupts } from '../../recorder/interrupts.ts';
import { parseConsoleEvents } from '../../recorder/windows/console-events.ts';
import { openProgram } from '../../recorder/program.ts';
import { tidName } from '../../replayer/describe.ts';
import { ExitCode, WintraceError } from '../../errors.ts';
import { parseEnv, parseSandbox, parseTimeout, programArgs } from '../options.ts';
import { denialLines, endLines } from '../run-end.ts';

interface RunArgs {
  program: string;
  args?: string[];
  env?: string[];
  stats?: boolean;
  maxInstructions?: number;
  timeout?: number;
  mount?: string[];
  quantum?: number;
  consoleEvent?: string[];
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <program> [args..]',
  describe: 'Run a Windows ARM64 program on the emulated Windows, untraced',
  builder: (y: Argv) =>
    y
      .positional('program', { type: 'string', describe: 'PE32+ ARM64 executable', demandOption: true })
      .positional('args', { type: 'string', array: true, describe: 'arguments for the program (after --)' })
      .option('env', { type: 'string', array: true, describe: 'add K=V to the guest environment' })
      .option('stats', { type: 'boolean', describe: 'print instructions per thread, API calls, threads, virtual time' })
      .option('max-instructions', { type: 'number', describe: 'stop after this many instructions' })
      .option('timeout', { type: 'number', describe: 'stop after this many seconds of wall-clock time (the program never sees it)' })
      .option('mount', { type: 'string', array: true, describe: 'let the guest read host directory HOST as GUEST (HOST:C:\\data), read-only' })
      .option('quantum', { type: 'number', default: 50_000, describe: 'instructions per scheduling slice' })
      .option('console-event', { type: 'string', array: true, describe: 'raise a console control event (ctrl-c, ctrl-break or close) once N instructions have run (KIND@N) or at N ms of virtual time (KIND@Nms), e.g. ctrl-c@5000000, ctrl-c@2500ms; repeatable' }) as Argv<RunArgs>,
  handler: (argv: ArgumentsCamelCase<RunArgs>) => {
    const sandbox = parseSandbox(argv.mount ?? []);
    const timeoutMs = parseTimeout(argv.timeout);
    const consoleEvents = parseConsoleEvents(argv.consoleEvent ?? []);
    const { process: proc, engine } = openProgram(argv.program, {
      args: programArgs(argv),
      env: parseEnv(argv.env ?? []),
      stdout: (b) => process.stdout.write(b),
      stderr: (b) => process.stderr.write(b),
      quantum: argv.quantum,
      consoleEvents,
      maxInstructions: argv.maxInstructions !== undefined ? BigInt(argv.maxInstructions) : undefined,
      timeoutMs,
      sandbox,
      // Ctrl-C: the run loop never yields to Node's own signal handling; see src/recorder/interrupts.ts.
      observer: {
        beforeRun: () => {
          if (interrupts.requested()) proc.stopRequested = true;
        },
      },
    });
    let end;
    try {
      interrupts.install((engine as UnicornEngine).nativeHandles().counter);
      end = proc.run();
    } catch (e) {
      if (e instanceof WintraceError) {
        const where = proc.current ? ` (thread ${tidName(proc.current.id)})` : '';
        throw new WintraceError(`${e.message}${where}`, e.exitCode);
      }
      throw e;
    } finally {
      if (argv.stats) {
        const lines = [
          `instructions: ${engine.executed}`,
          ...proc.threads.map((t) => `  thread ${tidName(t.id)}: ${t.executed} instructions, ${t.state}`),
          `threads created: ${proc.threads.length}`,
          `API calls: ${proc.apiCalls}`,
          `virtual time: ${(Number(proc.clock.now()) / 1e9).toFixed(6)} s since boot`,
        ];
        process.stderr.write(`${lines.join('\n')}\n`);
      }
      interrupts.uninstall();
      engine.close();
    }
    if (proc.exceptions.failure) process.stderr.write(`wintrace: fail fast: ${proc.exceptions.failure}\n`);
    const report = [...endLines(end, { maxInstructions: argv.maxInstructions, timeoutSeconds: argv.timeout }), ...denialLines(sandbox.denials)];
    for (const line of report) process.stderr.write(`${line}\n`);
    process.exitCode = end.reason === 'exit' ? end.exitCode : end.reason === 'interrupted' ? interrupts.exitStatus() : end.exitCode || ExitCode.emulationFault;
  },
};
