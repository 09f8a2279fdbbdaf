// `i`: one ABI violation explained whole, in place of the panes as `?`'s key list is: the list row and the status
// line cut the explanation to a line, and the detail and why are the part a porter needs. Every place it names is
// numbered to go to it (dispatch.ts's explain keys).

import type { Violation } from '../../replayer/abi/violation.ts';
import { tidName } from '../../replayer/describe.ts';
import { escapeControl } from '../../text/terminal.ts';
import { wrapWords } from '../../text/wrap.ts';
import type { NamedPlace } from '../pane-data.ts';
import { type Line, seg } from './Lines.tsx';

const LABEL = 13;

/** `label` then `text` wrapped to the width after the label column. Escaped before wrapping, so the cut counts what is drawn. */
function field(label: string, text: string, width: number, style: Parameters<typeof seg>[1] = {}): Line[] {
  const lines = wrapWords(escapeControl(text), width - LABEL);
  return (lines.length ? lines : ['']).map((l, i) => [seg((i === 0 ? label : '').padEnd(LABEL), { bold: true, color: 'cyan' }), seg(l, style)]);
}

function placeLine(key: string, position: number, symbol: string, role: string): Line {
  return [seg(''.padEnd(LABEL)), seg(key.padEnd(7), { bold: true, color: 'cyan' }), seg(`${String(position).padStart(9)}  `), seg(symbol, { bold: true }), seg(`  ${role}`, { dim: true })];
}

/** Every line of the explanation, the first one saying how to leave; the caller scrolls when they outnumber the rows. */
export function violationDetailLines(v: Violation, index: number, total: number, places: readonly NamedPlace[], width: number): Line[] {
  const windows = v.by === 'windows' || v.pc < 0;
  const out: Line[] = [
    [seg(`ABI violation #${index} of ${total}: ${v.rule}`, { bold: true, color: 'red' }), seg('   i or Esc closes, up/down scroll', { dim: true })],
    ...field('blamed', windows ? 'the emulated Windows' : 'the program', width),
    ...field('position', `${v.position} on thread ${tidName(v.tid)}`, width),
    ...field('instruction', windows ? '(the emulated Windows acts here)' : `${v.symbol}  ${v.instruction}`, width, { bold: true }),
    ...field('subject', `${v.subject}: ${v.before} -> ${v.after}`, width),
    ...field('detail', v.detail, width),
    ...field('why', v.why, width),
    [seg('go to'.padEnd(LABEL), { bold: true, color: 'cyan' }), seg('Enter  ', { bold: true, color: 'cyan' }), seg(`${String(v.position).padStart(9)}  `), seg(windows ? 'Windows' : v.symbol, { bold: true }), seg('  this violation', { dim: true })],
    ...places.slice(0, 9).map((p, i) => placeLine(String(i + 1), p.position, p.symbol, p.role)),
  ];
  if (places.length > 9) out.push(...field('', `(${places.length - 9} more places: wintrace check --json lists them)`, width, { dim: true }));
  return out;
}
