// `show --struct NAME@ADDRESS`: a Windows structure at a position as text or JSON, each field with the last
// write that set it (`writer`: position and symbol of the instruction, or Windows for the emulated Windows).

import { evaluateAddress } from '../replayer/address-expr.ts';
import { hex, tidName } from '../replayer/describe.ts';
import type { Replay } from '../replayer/replay.ts';
import { parseStructSpec, structView, VIEWABLE_STRUCTS } from '../replayer/struct-view.ts';
import { jsonText, printLines } from '../text/terminal.ts';

export const STRUCT_OPTION_HELP = `decode a Windows structure instead: NAME@ADDRESS with NAME one of ${VIEWABLE_STRUCTS.map((s) => s.name).join(', ')} ` +
  'and ADDRESS a register, 0x..., register+offset or SYMBOL (TEB and KUSER_SHARED_DATA need no address); each field shows its last writer';

export function printStruct(replay: Replay, position: number, label: string, spec: string, json: boolean): void {
  const { def, address } = parseStructSpec(replay, position, spec, (p, a) => evaluateAddress(replay, p, a));
  const view = structView(replay, position, def, address);
  if (json) {
    process.stdout.write(`${jsonText(JSON.stringify({ place: { position, label }, struct: view }, null, 2))}\n`);
    return;
  }
  const tid = replay.trace.regWords(position).tid;
  const out = [`${label}: position ${position}, thread ${tidName(tid)}: ${view.name} at ${hex(address)}`, ''];
  const nameWidth = Math.max(5, ...view.fields.map((f) => f.name.length));
  const valueWidth = Math.max(5, ...view.fields.map((f) => f.value.length + (f.points ? f.points.length + 3 : 0)));
  out.push(`  ${'offset'.padEnd(7)} ${'field'.padEnd(nameWidth)}  ${'value'.padEnd(valueWidth)}  writer`);
  for (const f of view.fields) {
    const value = f.points ? `${f.value} (${f.points})` : f.value;
    const w = f.writer;
    const writer = !w ? '(not written during the trace)' : w.step === undefined ? `Windows at position ${w.position}` : `${w.by} at step ${w.step}`;
    out.push(`  ${hex(f.offset).padEnd(7)} ${f.name.padEnd(nameWidth)}  ${value.padEnd(valueWidth)}  ${writer}`);
  }
  printLines(out);
}
