// The yargs root: one file per verb under commands/, errors mapped to exit codes in one place.

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, WintraceError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { checkCommand } from './commands/check.ts';
import { diffCommand } from './commands/diff.ts';
import { doctorCommand } from './commands/doctor.ts';
import { dumpCommand } from './commands/dump.ts';
import { episodesCommand } from './commands/episodes.ts';
import { eventsCommand } from './commands/events.ts';
import { goroutinesCommand } from './commands/goroutines.ts';
import { originCommand } from './commands/origin.ts';
import { recordCommand } from './commands/record.ts';
import { runCommand } from './commands/run.ts';
import { showCommand } from './commands/show.ts';
import { tuiCommand } from './commands/tui.ts';
import { checkNumericOptions } from './options.ts';

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
  await yargs(argv)
    .scriptName('wintrace')
    // Arguments after `--` belong to the guest program (options.ts programArgs), even when they look like options.
    .parserConfiguration({ 'populate--': true })
    .usage('$0 <command> [options]\n\nRecord and replay Windows on ARM64 programs on an emulated Windows user mode.')
    .middleware((args) => checkNumericOptions(args, argv))
    .command(recordCommand)
    .command(runCommand)
    .command(checkCommand)
    .command(showCommand)
    .command(tuiCommand)
    .command(eventsCommand)
    .command(episodesCommand)
    .command(goroutinesCommand)
    .command(dumpCommand)
    .command(originCommand)
    .command(diffCommand)
    .command(doctorCommand)
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
