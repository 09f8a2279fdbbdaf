// `wintrace show trace.mp --at N|N%|SYMBOL|FILE:LINE|episode:K|violation:K`: the machine at one position, as text —
// registers and where their values point, disassembly around pc, the stack and the call stack with Go source lines
// (what the TUI shows, for scripts and logs).

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.ts';
import { callStack } from '../../replayer/callstack.ts';
import { hex, tidName } from '../../replayer/describe.ts';
import { locateOnGoroutine } from '../../replayer/goroutine-locate.ts';
import { describeGoroutine, goroutineAt } from '../../replayer/goroutines.ts';
import { locate } from '../../replayer/locate.ts';
import { lineSuffix } from '../../replayer/source-lines.ts';
import { Replay } from '../../replayer/replay.ts';
import { ValuePlaces } from '../../replayer/value-places.ts';
import { D8_D15_SLOTS, disassemblyAround, GENERAL_SLOTS, registersView, stackView } from '../../replayer/view.ts';
import { jsonText, printLines } from '../../text/terminal.ts';
import { printStruct, STRUCT_OPTION_HELP } from '../struct-output.ts';
import { PROGRAM_OPTION, programOption } from '../program-option.ts';

interface ShowArgs {
  trace: string;
  program?: string;
  at: string;
  fp?: boolean;
  stack?: number;
  json?: boolean;
  struct?: string;
  goroutine?: string;
}

export const showCommand: CommandModule<object, ShowArgs> = {
  command: 'show <trace>',
  describe: 'Print registers, disassembly, stack and call stack at a position of a trace',
  builder: (y: Argv) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file written by wintrace record' })
      .option('program', PROGRAM_OPTION)
      .option('at', { type: 'string', default: '0', describe: 'N (position), N%, SYMBOL[+0xOFF] or FILE:LINE (first execution; main.go:42, a path suffix or an absolute path), episode:K, violation:K, event:K' })
      .option('fp', { type: 'boolean', describe: 'also show D8-D15 (callee-saved low halves of V8-V15)' })
      .option('stack', { type: 'number', default: 16, describe: 'stack words to show from SP up' })
      .option('struct', { type: 'string', describe: STRUCT_OPTION_HELP })
      .option('goroutine', { type: 'string', describe: 'on goroutine N: with --at SYMBOL its first execution by N; with another place N\'s next step from there (on whichever thread runs it)' })
      .option('json', { type: 'boolean', describe: 'print as JSON' }) as Argv<ShowArgs>,
  handler: async (argv: ArgumentsCamelCase<ShowArgs>) => {
    const replay = Replay.open(argv.trace, programOption(argv.program));
    try {
      const trace = replay.trace;
      const located = await locate(replay, argv.at);
      if (argv.goroutine !== undefined && !/^[1-9]\d{0,15}$/.test(argv.goroutine.trim())) {
        throw new UsageError(`--goroutine ${argv.goroutine}: expected a goroutine id such as 1 (list them with 'wintrace goroutines')`);
      }
      const place = argv.goroutine === undefined ? located : locateOnGoroutine(replay, argv.at, located, Number(argv.goroutine));
      if (argv.struct !== undefined) return printStruct(replay, place.position, place.label, argv.struct, argv.json === true);
      await replay.disassembler();
      const p = place.position;
      const regs = registersView(replay, p, argv.fp ? [...GENERAL_SLOTS, ...D8_D15_SLOTS] : GENERAL_SLOTS);
      const dis = disassemblyAround(replay, regs.pc, 6, 8, p);
      const stack = stackView(replay, p, argv.stack ?? 16);
      const frames = callStack(trace, replay.memory, replay.code, p, { maxFrames: 32 });
      const thread = trace.thread(regs.tid);
      const goroutine = goroutineAt(replay, p, regs.tid);
      const places = new ValuePlaces(replay, p, regs.tid);
      const pointing = regs.rows.map((r) => ({ row: r, place: places.name(r.value) }));
      if (argv.json) {
        const registers = pointing.map(({ row, place: at }) => (at ? { ...row, points: at.text, pointsKind: at.kind } : row));
        process.stdout.write(`${jsonText(JSON.stringify({ place, tid: regs.tid, goroutine, registers, disassembly: dis, stack, callStack: frames },
          (_k, v) => (typeof v === 'bigint' ? hex(v) : v), 2))}\n`);
        return;
      }
      const out: string[] = [];
      const pct = trace.totalSteps ? ((p / trace.totalSteps) * 100).toFixed(1) : '100.0';
      out.push(`${place.label}: position ${p} of ${trace.totalSteps} (${pct}%), thread ${tidName(regs.tid)} ` +
        `(its step ${trace.threadPosition(regs.tid, p)}), ${trace.symbols.format(regs.pc)}${lineSuffix(trace.sourceLines, regs.pc)}`);
      const program = trace.header.program;
      out.push(`program ${program.name}${program.goVersion ? `, built by ${program.goVersion}` : ''}`);
      const events = trace.header.options.consoleEvents;
      if (Array.isArray(events) && events.length) out.push(`recorded with --console-event ${events.map(String).join(' --console-event ')}`);
      if (goroutine) out.push(`${describeGoroutine(goroutine)}: g ${hex(goroutine.g)} (from ${goroutine.source === 'x28' ? 'X28' : 'the TEB\'s TLS slot'}), m ${hex(goroutine.m)}`);
      if (thread) out.push(`TEB ${hex(thread.teb)}, stack [${hex(thread.stackLimit)}, ${hex(thread.stackBase)})`);
      out.push('', 'registers (* changed since the thread\'s previous position, ! breaks the ABI):');
      const cells = regs.rows.map((r) => `${(r.changed ? '*' : ' ') + (r.flag ? '!' : ' ')}${r.name.padStart(4)} ${hex(r.value).padStart(18)}`);
      for (let i = 0; i < cells.length; i += 4) out.push(`  ${cells.slice(i, i + 4).join('  ')}`);
      for (const r of regs.rows) if (r.flag) out.push(`  ! ${r.name}: ${r.flag}`);
      const named = pointing.filter((x) => x.place !== undefined);
      if (named.length > 0) {
        out.push('', 'where register values point:');
        for (const { row, place: at } of named) out.push(`  ${row.name.padStart(4)} ${hex(row.value).padStart(18)}  ${at!.text}`);
      }
      out.push('', 'disassembly:');
      const lineWidth = Math.max(0, ...dis.map((l) => l.line?.length ?? 0));
      for (const l of dis) {
        out.push(`${l.current ? '=>' : '  '} ${hex(l.address).padStart(12)}  ${l.location.padEnd(34)} ${lineWidth ? `${(l.line ?? '').padEnd(lineWidth)}  ` : ''}` +
          `${l.text}${l.target ? `    ; ${l.target}` : ''}`);
      }
      out.push('', `stack (SP ${hex(stack.find((s) => s.offset === 0)?.address ?? 0)}):`);
      for (const s of stack) {
        const off = s.offset < 0 ? `-${hex(-s.offset)}` : `+${hex(s.offset)}`;
        out.push(`  ${hex(s.address).padStart(14)} sp${off.padEnd(6)} ${s.value === undefined ? '(unmapped)'.padStart(18) : hex(s.value).padStart(18)}${s.note ? `  ${s.note}` : ''}`);
      }
      out.push('', 'call stack (shadow = calls seen in the trace, fp = frame records, both = they agree):');
      frames.forEach((f, i) => out.push(`  #${String(i).padEnd(2)} ${f.symbol.padEnd(44)} ${f.line ? `${f.line}  ` : ''}${f.source}` +
        `${f.callPosition !== undefined ? `, call at position ${f.callPosition}` : ''}`));
      printLines(out);
    } finally {
      replay.close();
    }
  },
};
