// X0-X30, SP, PC, NZCV (and D8-D15 on demand) in columns: `*` marks a register the thread's last instruction (or
// the emulated Windows) changed, `!` one that breaks the ABI here (X18 not the TEB, SP misaligned) or that a
// checked violation is about here (pane-data.ts marks them), `>` the selected one (for `r`/`R`, the walk through
// its changes).

import type { RegistersView } from '../../replayer/view.ts';
import { hex16, type Line, Lines, seg } from './Lines.tsx';

export function registerLines(view: RegistersView, cols: number, rows: number, selectedSlot: number, focused: boolean): Line[] {
  const out: Line[] = [];
  for (let r = 0; r < rows; r++) {
    const line = [];
    for (let c = 0; c < cols; c++) {
      const row = view.rows[c * rows + r];
      if (!row) break;
      const sel = focused && row.slot === selectedSlot;
      const marks = `${sel ? '>' : ' '}${row.changed ? '*' : ' '}${row.flag ? '!' : ' '}`;
      const color = row.flag ? 'red' : row.changed ? 'yellow' : undefined;
      line.push(seg(marks, { ...(color ? { color } : {}), bold: row.changed }));
      line.push(seg(`${row.name.padStart(4)} ${hex16(row.value)}`, { ...(color ? { color } : {}), bold: row.changed, inverse: sel }));
      line.push(seg('  '));
    }
    out.push(line);
  }
  return out;
}

/** The flags spelled out, for the pane's title line. */
export function registerFlags(view: RegistersView): string {
  return view.rows.filter((r) => r.flag).map((r) => `! ${r.name}: ${r.flag}`).join('  ');
}

export function RegistersPane(props: { view: RegistersView; cols: number; rows: number; width: number; selectedSlot: number; focused: boolean; color: boolean }) {
  return <Lines lines={registerLines(props.view, props.cols, props.rows, props.selectedSlot, props.focused)} width={props.width} rows={props.rows} color={props.color} />;
}
