// `wintrace origin trace.mp --at N x0`: where a register's or a memory range's value at a position came from, as
// a tree of the instructions (and emulated-Windows writes) that produced it, each with the inputs it read.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.ts';
import { evaluateAddress } from '../../replayer/address-expr.ts';
import { tidName } from '../../replayer/describe.ts';
import { locate } from '../../replayer/locate.ts';
import { constantKind, expandOrigin, OriginExplorer, type OriginRole, type OriginTree, originLine, parseOriginTarget } from '../../replayer/origin.ts';
import { Replay } from '../../replayer/replay.ts';
import { jsonText, printLines } from '../../text/terminal.ts';
import { PROGRAM_OPTION, programOption } from '../program-option.ts';

interface OriginArgs {
  trace: string;
  program?: string;
  what: string;
  at: string;
  depth: number;
  addresses?: boolean;
  json?: boolean;
}

export const originCommand: CommandModule<object, OriginArgs> = {
  command: 'origin <trace> <what>',
  describe: 'Show where a register or memory value at a position came from: the instructions and Windows writes that produced it, as a tree',
  builder: (y: Argv) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file written by wintrace record' })
      .option('program', PROGRAM_OPTION)
      .positional('what', { type: 'string', demandOption: true, describe: 'a register (x0, fp, lr, sp, nzcv, v0) of the thread running there, or memory [ADDRESS] / [ADDRESS,SIZE] (ADDRESS: 0x..., sp+0x10, SYMBOL+0x8)' })
      .option('at', { type: 'string', default: '0', describe: 'N (position), N%, SYMBOL[+0xOFF] (first execution), FILE:LINE, episode:K, violation:K, event:K' })
      .option('depth', { type: 'number', default: 6, describe: 'levels of the tree to expand' })
      .option('addresses', { type: 'boolean', describe: 'also follow the registers that formed load/store addresses and tested conditions (listed, not followed, by default)' })
      .option('json', { type: 'boolean', describe: 'print the tree as JSON' }) as Argv<OriginArgs>,
  handler: async (argv: ArgumentsCamelCase<OriginArgs>) => {
    if (!(Number.isInteger(argv.depth) && argv.depth >= 1)) throw new UsageError(`--depth ${argv.depth}: give a whole number of levels, 1 or more`);
    const replay = Replay.open(argv.trace, programOption(argv.program));
    try {
      const place = await locate(replay, argv.at);
      const explorer = new OriginExplorer(replay, await replay.disassembler());
      const target = parseOriginTarget(replay, place.position, argv.what, (p, a) => evaluateAddress(replay, p, a));
      const roles = new Set<OriginRole>(argv.addresses ? ['value', 'address', 'condition'] : ['value']);
      const tree = expandOrigin(explorer, explorer.root(target, place.position), argv.depth, roles);
      if (argv.json) {
        process.stdout.write(`${jsonText(JSON.stringify({ place, tid: target.tid, tree }, null, 2))}\n`);
        return;
      }
      const out = [`${place.label}: position ${place.position}, thread ${tidName(target.tid)}, ${replay.trace.symbols.format(Number(replay.trace.state(place.position).pc))}`, ''];
      const walk = (t: OriginTree, indent: string, last: boolean, top: boolean): void => {
        const kids = t.children ?? [];
        const constant = t.children !== undefined && kids.length === 0 ? constantKind(t.node) : undefined;
        const leaf = constant ? `  (no inputs: ${constant})` : '';
        out.push(`${top ? '' : `${indent}${last ? '└─ ' : '├─ '}`}${originLine(t.node, t.repeated)}${leaf}`);
        const next = top ? '' : `${indent}${last ? '   ' : '│  '}`;
        kids.forEach((c, i) => walk(c, next, i === kids.length - 1, false));
      };
      walk(tree, '', true, true);
      printLines(out);
    } finally {
      replay.close();
    }
  },
};
