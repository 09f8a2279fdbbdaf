// X0-X30, SP, PC, NZCV (and D8-D15 on demand) in columns: `*` marks a register the thread's last instruction (or
// the emulated Windows) changed, `!` one that breaks the ABI here (X18 not the TEB, SP misaligned) or that a
// checked violation is about here (pane-data.ts marks them), `>` the selected one (for `r`/`R`, the walk through
// its changes). Beside a value that points somewhere, what it points at (value-places.ts) in the room the cell
// has: at 80 columns one letter for the kind of place, the selected register's whole name in the title line.

import type { ValuePlace } from '../../replayer/value-places.ts';
import type { RegistersView } from '../../replayer/view.ts';
import { hex16, type Line, Lines, seg } from './Lines.tsx';

/** Marks, name and value: what a cell needs before any place name. */
const CELL_BODY = 3 + 4 + 1 + 16;
/** Below this much room a place shows as its kind's letter: a cut-off name reads as a wrong one. */
const MIN_NAME = 8;

const KIND_LETTER: Record<ValuePlace['kind'], string> = {
  code: 'c', data: 'd', g: 'g', stack: 's', 'goroutine stack': 's', TEB: 'T', PEB: 'P', KUSER_SHARED_DATA: 'K', mapped: 'm',
};

/** The legend of the letters, for the title line. */
export const PLACE_LETTERS = 'c code d data s stack g g T TEB P PEB K KUSER m mapped';

/** A place in `room` characters, a space before it: its text, cut with `…`, or its kind's letter. */
export function placeText(place: ValuePlace, room: number): string {
  if (room < 2) return '';
  if (room - 1 < MIN_NAME) return ` ${KIND_LETTER[place.kind]}`;
  const t = place.text;
  return ` ${t.length <= room - 1 ? t : `${t.slice(0, room - 2)}…`}`;
}

export function registerLines(view: RegistersView, cols: number, rows: number, selectedSlot: number, focused: boolean, width = cols * 26,
  places: ReadonlyMap<number, ValuePlace> = new Map()): Line[] {
  const cell = Math.floor(width / cols);
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
      const place = places.get(row.slot);
      // The last column may use what is left of the line. A letter may touch the next cell's marks (usually
      // blank); a name keeps a space before them.
      const free = c === cols - 1 ? width - c * cell - CELL_BODY : cell - CELL_BODY;
      const room = c < cols - 1 && free - 1 > MIN_NAME ? free - 1 : free;
      const text = place ? placeText(place, room) : '';
      line.push(seg(text, { color: 'cyan', dim: true }));
      if (c < cols - 1) line.push(seg(' '.repeat(Math.max(0, cell - CELL_BODY - text.length))));
    }
    out.push(line);
  }
  return out;
}

/** The flags spelled out, for the pane's title line. */
export function registerFlags(view: RegistersView): string {
  return view.rows.filter((r) => r.flag).map((r) => `! ${r.name}: ${r.flag}`).join('  ');
}

export function RegistersPane(props: { view: RegistersView; cols: number; rows: number; width: number; selectedSlot: number; focused: boolean; color: boolean; places: ReadonlyMap<number, ValuePlace> }) {
  return <Lines lines={registerLines(props.view, props.cols, props.rows, props.selectedSlot, props.focused, props.width, props.places)} width={props.width} rows={props.rows} color={props.color} />;
}
