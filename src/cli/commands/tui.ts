// `wintrace tui trace.mp [--at N|N%|SYMBOL|episode:K|violation:K]`: the interactive debugger. It needs a terminal;
// piped or redirected, it says to use `wintrace show` instead of drawing escape sequences into a file.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.ts';
import { locate } from '../../replayer/locate.ts';
import { Replay } from '../../replayer/replay.ts';
import { PROGRAM_OPTION, programOption } from '../program-option.ts';

interface TuiArgs {
  trace: string;
  program?: string;
  at?: string;
  sourceDir?: string[];
}

export const tuiCommand: CommandModule<object, TuiArgs> = {
  command: 'tui <trace>',
  describe: 'Travel through a trace in a terminal UI: step, step over and continue both ways, events, episodes, ABI violations',
  builder: (y: Argv) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file written by wintrace record' })
      .option('program', PROGRAM_OPTION)
      .option('at', { type: 'string', describe: 'open at N (position), N%, SYMBOL[+0xOFF] or FILE:LINE (first execution), episode:K, violation:K, event:K' })
      .option('source-dir', { type: 'string', array: true, describe: 'also look for the program\'s source files here (the GOROOT of the Go that built it is searched first)' })
      .epilogue('Keys: ? in the TUI lists them. Outside a terminal use `wintrace show TRACE --at ...`.') as Argv<TuiArgs>,
  handler: async (argv: ArgumentsCamelCase<TuiArgs>) => {
    // The trace and the place are checked first: a bad file or --at says so the same way in or out of a terminal.
    const replay = Replay.open(argv.trace, programOption(argv.program));
    try {
      const place = argv.at !== undefined ? await locate(replay, argv.at) : { position: 0, label: 'start of the trace' };
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw new UsageError(`tui needs a terminal (stdin and stdout are not both one); use 'wintrace show ${argv.trace} --at ${argv.at ?? place.position}' to print a position instead`);
      }
      // React's development build checks every element and times every render: several times slower per frame.
      process.env.NODE_ENV ??= 'production';
      // Ink reads CI/CONTINUOUS_INTEGRATION when it is first imported and then draws nothing until exit (it
      // assumes a log, not a screen). Both stdin and stdout are a terminal here, so a CI flag inherited from a
      // build job or a test harness must not blank the debugger.
      delete process.env.CI;
      delete process.env.CONTINUOUS_INTEGRATION;
      const { runTui, colorWanted } = await import('../../tui/run.tsx');
      await runTui(replay, { position: place.position, message: `${place.label} (? lists the keys)`, color: colorWanted(), sourceDirs: argv.sourceDir ?? [] });
    } finally {
      replay.close();
    }
  },
};
