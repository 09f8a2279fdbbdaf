// `?`: the key map, drawn from the bindings table itself, in as many columns as the terminal holds.

import { BINDINGS, keyLabel } from '../keys/bindings.ts';
import { type Line, seg } from './Lines.tsx';

function columns(width: number): number {
  return Math.max(1, Math.min(4, Math.floor(width / 40)));
}

/** Rows the key list takes at `width`, its title line included. */
export function helpRowsNeeded(width: number): number {
  return Math.ceil(BINDINGS.length / columns(width)) + 1;
}

export function helpLines(width: number, rows: number): Line[] {
  const cols = columns(width);
  const cell = Math.floor(width / cols);
  const perCol = Math.ceil(BINDINGS.length / cols);
  const out: Line[] = perCol < rows ? [[seg('keys (? or Esc closes this):', { bold: true })]] : [];
  for (let r = 0; r < perCol; r++) {
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
