// `?`: the key map, drawn from the bindings table itself, in as many columns as the terminal holds. Where it
// has more keys than rows (80x24 holds 46), the list scrolls: its title says which rows are shown and how to see
// the rest.

import { BINDINGS, keyLabel } from '../keys/bindings.ts';
import { type Line, seg } from './Lines.tsx';

function columns(width: number): number {
  return Math.max(1, Math.min(4, Math.floor(width / 40)));
}

function perColumn(width: number): number {
  return Math.ceil(BINDINGS.length / columns(width));
}

/** Rows the key list takes at `width`, its title line included. */
export function helpRowsNeeded(width: number): number {
  return perColumn(width) + 1;
}

/** How far the list scrolls in `rows` rows (its title line included): 0 when it fits. */
export function helpMaxScroll(width: number, rows: number): number {
  return Math.max(0, helpRowsNeeded(width) - rows);
}

export function helpLines(width: number, rows: number, scroll = 0): Line[] {
  const cols = columns(width);
  const cell = Math.floor(width / cols);
  const perCol = perColumn(width);
  const max = helpMaxScroll(width, rows);
  const from = Math.min(max, Math.max(0, scroll));
  const shown = Math.min(perCol, rows - 1);
  const title = max === 0 ? 'keys (? or Esc closes this):' : `keys ${from + 1}-${from + shown} of ${perCol} rows (down/up scroll; ? or Esc closes):`;
  const out: Line[] = [[seg(title, { bold: true })]];
  for (let r = from; r < from + shown; r++) {
    const line = [];
    for (let c = 0; c < cols; c++) {
      const b = BINDINGS[c * perCol + r];
      if (!b) break;
      line.push(seg(keyLabel(b).padEnd(10), { color: 'cyan', bold: true }), seg(b.help.slice(0, cell - 11).padEnd(cell - 10)));
    }
    out.push(line);
  }
  return out;
}
