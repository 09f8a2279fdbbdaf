// `wintrace run prog.exe [-- args...]`: run a program untraced on the emulated Windows, pass its console output
// through, and exit with its exit code.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { openProgram } from '../../recorder/program.ts';
import { ExitCode, WintraceError } from '../../errors.ts';
import { parseEnv } from '../options.ts';

interface RunArgs {
  program: string;
  args?: string[];
  env?: string[];
  stats?: boolean;
  maxInstructions?: number;
  quantum?: number;
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
      .option('quantum', { type: 'number', default: 50_000, describe: 'instructions per scheduling slice' }) as Argv<RunArgs>,
  handler: (argv: ArgumentsCamelCase<RunArgs>) => {
    const out: Buffer[] = [];
    const { process: proc, engine } = openProgram(argv.program, {
      args: argv.args ?? [],
      env: parseEnv(argv.env ?? []),
      stdout: (b) => process.stdout.write(b),
      stderr: (b) => process.stderr.write(b),
      quantum: argv.quantum,
      maxInstructions: argv.maxInstructions !== undefined ? BigInt(argv.maxInstructions) : undefined,
    });
    void out;
    let end;
    try {
      end = proc.run();
    } catch (e) {
      if (e instanceof WintraceError) {
        const where = proc.current ? ` (thread ${proc.current.id})` : '';
        throw new WintraceError(`${e.message}${where}`, e.exitCode);
      }
      throw e;
    } finally {
      if (argv.stats) {
        const lines = [
          `instructions: ${engine.executed}`,
          ...proc.threads.map((t) => `  thread ${t.id}: ${t.executed} instructions, ${t.state}`),
          `threads created: ${proc.threads.length}`,
          `API calls: ${proc.apiCalls}`,
          `virtual time: ${(Number(proc.clock.now()) / 1e9).toFixed(6)} s since boot`,
        ];
        process.stderr.write(`${lines.join('\n')}\n`);
      }
      engine.close();
    }
    if (proc.exceptions.failure) process.stderr.write(`wintrace: fail fast: ${proc.exceptions.failure}\n`);
    if (end.reason === 'deadlock') {
      process.stderr.write(`wintrace: deadlock: every thread waits with no timeout\n${end.waits.map((w) => `  ${w}`).join('\n')}\n`);
    } else if (end.reason === 'budget') {
      process.stderr.write(`wintrace: stopped after --max-instructions ${argv.maxInstructions}\n`);
    }
    if (argv.stats) for (const d of proc.sandboxDenials) process.stderr.write(`sandbox refused: ${d}\n`);
    process.exitCode = end.reason === 'exit' ? end.exitCode : end.exitCode || ExitCode.emulationFault;
  },
};
