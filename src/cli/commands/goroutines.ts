// `wintrace goroutines trace.mp [--at PLACE] [--all]`: every goroutine the Go runtime knows at a position
// (runtime.allgs), with its id, status, the function it started in, where it was created, and the thread running
// it; --all also those whose g a later goroutine took over (one pass over the trace's writes).

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.ts';
import { hex, tidName } from '../../replayer/describe.ts';
import { goroutineHistory } from '../../replayer/goroutine-history.ts';
import { goroutineAt, type GoroutineInfo, goroutinesAt } from '../../replayer/goroutines.ts';
import { locate } from '../../replayer/locate.ts';
import { Replay } from '../../replayer/replay.ts';
import { jsonText, printLines } from '../../text/terminal.ts';
import { PROGRAM_OPTION, programOption } from '../program-option.ts';

interface GoroutinesArgs {
  trace: string;
  program?: string;
  at: string;
  dead?: boolean;
  all?: boolean;
  json?: boolean;
}

export const goroutinesCommand: CommandModule<object, GoroutinesArgs> = {
  command: 'goroutines <trace>',
  describe: 'List the goroutines of a Go program at a position: id, status, start function, creator, thread',
  builder: (y: Argv) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file written by wintrace record' })
      .option('program', PROGRAM_OPTION)
      .option('at', { type: 'string', default: '100%', describe: 'where: N (position), N%, SYMBOL[+0xOFF] or FILE:LINE (first execution), episode:K, violation:K, event:K (default: the end)' })
      .option('dead', { type: 'boolean', default: true, describe: 'include goroutines that have ended (--no-dead hides them)' })
      .option('all', { type: 'boolean', describe: 'every goroutine started before the position, also those whose g was reused (slower: reads all writes)' })
      .option('json', { type: 'boolean', describe: 'print as JSON' }) as Argv<GoroutinesArgs>,
  handler: async (argv: ArgumentsCamelCase<GoroutinesArgs>) => {
    const replay = Replay.open(argv.trace, programOption(argv.program));
    try {
      const trace = replay.trace;
      const place = await locate(replay, argv.at);
      const p = place.position;
      const list = goroutinesAt(replay, p);
      if (typeof list === 'string') throw new UsageError(`${argv.trace}: no goroutines: ${list}`);
      // Which thread runs which goroutine there (itself, or its m's g0 on its behalf), by goid.
      const onThread = new Map<number, number>();
      for (const tid of trace.state(p).threads.keys()) {
        const g = goroutineAt(replay, p, tid);
        const goid = g?.kind === 'user' ? g.goid : g?.curgGoid;
        if (goid) onThread.set(goid, tid);
      }
      let all: GoroutineInfo[] = list;
      if (argv.all) {
        const history = goroutineHistory(replay, p);
        if (typeof history === 'string') throw new UsageError(`${argv.trace}: no goroutines: ${history}`);
        const now = new Map(list.map((x) => [x.goid, x]));
        all = history.map((h) => now.get(h.goid) ?? { g: h.g, goid: h.goid, status: 'dead', startpc: h.startpc, gopc: h.gopc, mid: undefined });
      }
      const shown = all.filter((x) => argv.dead || x.status !== 'dead');
      if (argv.json) {
        const rows = shown.map((x) => ({ ...x, g: hex(x.g), startpc: hex(x.startpc), gopc: hex(x.gopc), start: trace.symbols.format(x.startpc),
          createdBy: x.gopc ? trace.symbols.format(x.gopc) : undefined, thread: onThread.has(x.goid) ? tidName(onThread.get(x.goid)!) : undefined }));
        process.stdout.write(`${jsonText(JSON.stringify({ place, goroutines: rows }, null, 2))}\n`);
        return;
      }
      const what = argv.all ? 'started' : 'in runtime.allgs';
      const out = [`${place.label}: position ${p} of ${trace.totalSteps}, ${all.length} goroutine${all.length === 1 ? '' : 's'} ${what}` +
        `${shown.length < all.length ? ` (${all.length - shown.length} dead not shown)` : ''}`,
      `${'id'.padStart(6)}  ${'status'.padEnd(10)} ${'m'.padEnd(4)} ${'thread'.padEnd(7)} ${'g'.padEnd(14)} start function  (created at)`];
      for (const x of shown) {
        const tid = onThread.get(x.goid);
        out.push(`${String(x.goid).padStart(6)}  ${x.status.padEnd(10)} ${(x.mid === undefined ? '' : `m${x.mid}`).padEnd(4)} ` +
          `${(tid === undefined ? '' : tidName(tid)).padEnd(7)} ${hex(x.g).padEnd(14)} ${x.startpc ? trace.symbols.format(x.startpc) : '-'}` +
          `${x.gopc ? `  (${trace.symbols.format(x.gopc)})` : ''}`);
      }
      printLines(out);
    } finally {
      replay.close();
    }
  },
};
