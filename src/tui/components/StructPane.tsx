// The structure pane (`x`): a Windows structure decoded at the position, a field a row (`*` on the fields the
// step to here wrote), the selected field's last writer spelled out on the first line, since Enter goes there
// and a side pane's row has no room for it.

import type { FieldRow, StructView } from '../../replayer/struct-view.ts';
import { escapeControl } from '../../text/terminal.ts';
import { wrapWords } from '../../text/wrap.ts';
import { type Line, seg, windowAround } from './Lines.tsx';

/** Where Enter on a field goes: the instruction that wrote it (standing on it), or where Windows wrote it. */
export function fieldWriterPosition(f: FieldRow): number | undefined {
  return f.writer && (f.writer.step ?? f.writer.position);
}

export function fieldWriterText(f: FieldRow): string {
  const w = f.writer;
  if (!w) return `${f.name}: not written during the trace`;
  return w.step === undefined ? `${f.name} written by Windows at ${w.position}` : `${f.name} written by ${w.by} at ${w.step}`;
}

export function structLines(view: StructView, cursor: number, rows: number, width: number): Line[] {
  const selected = view.fields[cursor];
  const style = { color: selected?.writer && selected.writer.step === undefined ? 'magenta' : 'cyan' };
  // Escaped before wrapping, so the cut counts the characters drawn; two lines at most.
  const head: Line[] = selected ? wrapWords(escapeControl(fieldWriterText(selected)), width).slice(0, 2).map((l) => [seg(l, style)]) : [];
  const nameWidth = Math.min(Math.max(...view.fields.map((f) => f.name.length)), Math.floor(width * 0.45));
  const { start, shown } = windowAround(view.fields, cursor, Math.max(1, rows - head.length));
  return [...head, ...shown.map((f, i): Line => {
    const sel = start + i === cursor;
    const fresh = f.writer?.position === view.position;
    const by = f.writer ? ` <- ${f.writer.step === undefined ? 'Windows' : f.writer.by}` : '';
    return [
      seg(sel ? '>' : ' ', { bold: true }),
      seg(fresh ? '*' : ' ', { color: 'yellow', bold: true }),
      seg(`${f.name.slice(0, nameWidth).padEnd(nameWidth)} `, { inverse: sel }),
      seg(f.points ? `${f.value} (${f.points})` : f.value, fresh ? { color: 'yellow', bold: true } : {}),
      seg(by, { dim: true }),
    ];
  })];
}
