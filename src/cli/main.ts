// The yargs root: one file per verb under commands/, errors mapped to exit codes in one place.

import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, WintraceError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { checkNumericOptions } from './options.ts';

// Each command's module is loaded only when that command runs (the recorder, the replayer, the trace writer:
// ~100 ms of the TUI's start-up went to the other commands' modules, docs/benchmarks.md "TUI start-up"); the
// help, a mistyped command and no command at all load every one, for the list of commands (in this order).
type AnyCommand = CommandModule<any, any>;
const COMMANDS: Record<string, () => Promise<AnyCommand>> = {
  record: async () => (await import('./commands/record.ts')).recordCommand,
  run: async () => (await import('./commands/run.ts')).runCommand,
  check: async () => (await import('./commands/check.ts')).checkCommand,
  show: async () => (await import('./commands/show.ts')).showCommand,
  tui: async () => (await import('./commands/tui.ts')).tuiCommand,
  events: async () => (await import('./commands/events.ts')).eventsCommand,
  episodes: async () => (await import('./commands/episodes.ts')).episodesCommand,
  goroutines: async () => (await import('./commands/goroutines.ts')).goroutinesCommand,
  dump: async () => (await import('./commands/dump.ts')).dumpCommand,
  origin: async () => (await import('./commands/origin.ts')).originCommand,
  diff: async () => (await import('./commands/diff.ts')).diffCommand,
  doctor: async () => (await import('./commands/doctor.ts')).doctorCommand,
};

/** The modules `argv` needs: its command's alone when it starts with one, else all (help, usage errors). */
function commandsFor(argv: readonly string[]): string[] {
  const first = argv[0];
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
}

/** Prints `wintrace: <message>` and exits with the error's code; a bug prints its stack so it can be reported. */
export function fail(err: unknown): never {
  if (err instanceof WintraceError) {
    process.stderr.write(`wintrace: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  const e = err as Error;
  process.stderr.write(`wintrace: internal error: ${e?.message ?? String(err)}\n${e?.stack ?? ''}\n`);
  process.exit(ExitCode.internal);
}

const NO_COMMAND = 'Name a command; see the list above.';

export async function main(argv: string[]): Promise<void> {
  const commands = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!()));
  let cli = yargs(argv)
    .scriptName('wintrace')
    // Arguments after `--` belong to the guest program (options.ts programArgs), even when they look like options.
    .parserConfiguration({ 'populate--': true })
    .usage('$0 <command> [options]\n\nRecord and replay Windows on ARM64 programs on an emulated Windows user mode.')
    .middleware((args) => checkNumericOptions(args, argv));
  for (const c of commands) cli = cli.command(c);
  await cli
    .demandCommand(1, NO_COMMAND)
    .recommendCommands()
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 80))
    .fail((msg, err, y) => {
      if (err) fail(err);
      // With no command, the list the message points to: the usage and commands of --help.
      if (msg === NO_COMMAND) y.showHelp((text: string) => process.stderr.write(`${text}\n\n`));
      process.stderr.write(`wintrace: ${msg}\nRun 'wintrace --help' for the list of commands and options.\n`);
      process.exit(ExitCode.usage);
    })
    .parseAsync();
}

// A reader that stops early (`wintrace events t.mp | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(hideBin(process.argv)).catch(fail);
