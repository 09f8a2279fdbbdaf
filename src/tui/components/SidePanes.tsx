// The panes of the side slot, as lines: stack around SP (frame records recognised), memory at an address, the
// call stack, events, episodes and ABI violations (`>` the selected row, `=` the row the position is at).

import type { Violation } from '../../replayer/abi/violation.ts';
import type { Frame } from '../../replayer/callstack.ts';
import { describeEvent } from '../../replayer/describe.ts';
import type { Episode } from '../../replayer/episodes.ts';
import type { MemoryRow } from '../../replayer/memory-view.ts';
import type { Symbols } from '../../replayer/symbols.ts';
import type { EventAt } from '../../replayer/trace.ts';
import type { StackLine } from '../../replayer/view.ts';
import { hex16, type Line, seg, windowAround } from './Lines.tsx';

export function stackLines(stack: readonly StackLine[], width: number): Line[] {
  const withAddress = width >= 60;
  return stack.map((s) => {
    const off = s.offset < 0 ? `sp-${(-s.offset).toString(16)}` : `sp+${s.offset.toString(16)}`;
    const record = s.note?.startsWith('saved ');
    return [
      seg(s.offset === 0 ? '=>' : '  ', { color: 'green' }),
      ...(withAddress ? [seg(`${s.address.toString(16).padStart(11)} `, { dim: true })] : []),
      seg(`${off.padEnd(7)} `),
      seg(s.value === undefined ? '(unmapped)'.padEnd(16) : hex16(s.value), s.offset < 0 ? { dim: true } : {}),
      ...(s.note ? [seg(` ${s.note}`, { color: record ? 'yellow' : 'cyan' })] : []),
    ];
  });
}

/** Bytes per memory row that fit a pane `width` wide. */
export function memoryPerRow(width: number): number {
  return width >= 64 ? 16 : 8;
}

export function memoryLines(rows: readonly MemoryRow[]): Line[] {
  return rows.map((r) => [
    seg(`${r.address.toString(16).padStart(11)} `, { dim: true }),
    ...r.bytes.map((b, i) => seg(`${b === undefined ? '??' : b.toString(16).padStart(2, '0')}${r.written[i] ? '*' : ' '}`, r.written[i] ? { color: 'yellow', bold: true } : b === undefined ? { dim: true } : {})),
  ]);
}

function listLines<T>(items: readonly T[], cursor: number, at: number, rows: number, text: (item: T, i: number) => string, empty: string): Line[] {
  if (items.length === 0) return [[seg(empty, { dim: true })]];
  const { start, shown } = windowAround(items, cursor, rows);
  return shown.map((item, k) => {
    const i = start + k;
    const mark = `${i === cursor ? '>' : ' '}${i === at ? '=' : ' '}`;
    return [seg(mark, { color: 'green', bold: true }), seg(text(item, i), i === cursor ? { inverse: true } : i === at ? { bold: true } : {})];
  });
}

export function callLines(frames: readonly Frame[], cursor: number, rows: number): Line[] {
  return listLines(frames, cursor, 0, rows, (f, i) => `#${String(i).padEnd(2)} ${f.symbol}${f.line ? ` ${f.line}` : ''}  ${f.source}`, 'no frames');
}

export function eventLines(events: readonly EventAt[], cursor: number, at: number, rows: number, symbols: Symbols): Line[] {
  return listLines(events, cursor, at, rows, (e) => `${String(e.position).padStart(9)} ${describeEvent(e.event, symbols)}`, 'no events');
}

export function episodeLines(episodes: readonly Episode[], cursor: number, at: number, rows: number): Line[] {
  return listLines(episodes, cursor, at, rows, (e, i) => `${String(i).padStart(3)} ${e.start}-${e.end} ${e.name}: ${e.outcome}`, 'no episodes');
}

export function violationLines(violations: readonly Violation[] | undefined, cursor: number, at: number, rows: number): Line[] {
  if (!violations) return [[seg('not checked yet: press 8 or v to run the ABI check', { dim: true })]];
  return listLines(violations, cursor, at, rows, (v, i) => `#${i} ${v.rule} ${v.position} ${v.symbol} ${v.subject} ${v.before} -> ${v.after}`, 'no ABI violations in this trace');
}
