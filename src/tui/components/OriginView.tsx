// `o`: where a value came from, as a tree in place of the panes (as `i`'s explanation is): each row a write and
// the value it put there, numbered to go to it; the selected row is repeated whole at the bottom, since a tree
// row at 80 columns is cut where the instruction's text begins.

import { tidName } from '../../replayer/describe.ts';
import { type OriginRow } from '../../replayer/origin-rows.ts';
import { originLine } from '../../replayer/origin.ts';
import { escapeControl } from '../../text/terminal.ts';
import { wrapWords } from '../../text/wrap.ts';
import type { OriginState } from '../state/ui-state.ts';
import { type Line, seg, windowAround } from './Lines.tsx';

/** Rows above the tree (what was asked, the keys) and below it (the selected row whole). */
const HEAD = 2;
const FOOT = 2;

/** Tree rows a view of `rows` lines shows. */
export function originTreeRows(rows: number): number {
  return Math.max(1, rows - HEAD - FOOT);
}

/** The first tree row on screen: number keys 1-9 count from it (dispatch.ts and the drawing agree through this). */
export function originWindowStart(rows: readonly OriginRow[], cursor: number, viewRows: number): number {
  return windowAround(rows, cursor, originTreeRows(viewRows)).start;
}

function rowText(r: OriginRow): string {
  return `${originLine(r.node, r.repeated)}${r.leaf ? `  (no inputs: ${r.leaf})` : ''}`;
}

export function originViewLines(o: OriginState, rows: readonly OriginRow[], where: { tid: number; symbol: string }, width: number, viewRows: number): Line[] {
  const root = rows[0]!.node;
  const out: Line[] = [
    [seg(`origin of ${root.label} at position ${o.position}`, { bold: true, color: 'cyan' }), seg(`  thread ${tidName(where.tid)}, ${where.symbol}`, { dim: true })],
    [seg('Enter/1-9: go to the write  right/left: open/close  up/down  o/Esc: close', { dim: true })],
  ];
  const { start, shown } = windowAround(rows, o.cursor, originTreeRows(viewRows));
  shown.forEach((r, i) => {
    const n = i < 9 ? String(i + 1) : ' ';
    const sel = start + i === o.cursor;
    const mark = r.open ? '- ' : r.openable ? '+ ' : '  ';
    out.push([seg(`${n} `, { bold: true, color: 'cyan' }), seg(sel ? '>' : ' ', { bold: true }), seg(r.prefix, { dim: true }), seg(mark, { bold: true }),
      seg(rowText(r), { inverse: sel, ...(r.node.source.kind === 'windows' ? { color: 'magenta' } : {}), ...(r.repeated ? { dim: true } : {}) })]);
  });
  while (out.length < viewRows - FOOT) out.push([]);
  const selected = rows[o.cursor];
  // Escaped before wrapping, so the cut counts the characters drawn.
  const whole = selected ? wrapWords(escapeControl(rowText(selected)), width).slice(0, FOOT) : [];
  for (const l of whole) out.push([seg(l, { dim: true })]);
  return out;
}
