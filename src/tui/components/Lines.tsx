// Panes are lists of lines of styled segments, cut to the pane's width: what a pane shows fits its box exactly,
// whatever the terminal size. Without colour (NO_COLOR) the styles drop and the text markers (`=>`, `*`, `!`,
// `[focused]`) still say everything.

import { Box, Text } from 'ink';
import { escapeControl } from '../../text/terminal.ts';

export interface Seg {
  readonly text: string;
  readonly color?: string;
  readonly bold?: boolean;
  readonly inverse?: boolean;
  readonly dim?: boolean;
}

export type Line = readonly Seg[];

export function seg(text: string, style: Omit<Seg, 'text'> = {}): Seg {
  return { text, ...style };
}

const sameStyle = (a: Seg, b: Seg) => a.color === b.color && !!a.bold === !!b.bold && !!a.inverse === !!b.inverse && !!a.dim === !!b.dim;

/**
 * Cuts the segments to `width` characters, joining neighbours of the same style. No padding: the pane's box has
 * its width, and every character written costs Ink a tokenizing pass per frame. Every pane's text passes here, so
 * here control characters from the trace (names a guest chose, its output) become inert \xNN before the cut.
 */
export function fitLine(line: Line, width: number, color = true): Seg[] {
  const out: Seg[] = [];
  let left = width;
  for (const s of line) {
    if (left <= 0) break;
    const text = escapeControl(s.text);
    const t = text.length > left ? text.slice(0, left) : text;
    if (t === '') continue;
    left -= t.length;
    const last = out[out.length - 1];
    if (last && (!color || sameStyle(last, s))) out[out.length - 1] = { ...last, text: last.text + t };
    else out.push({ ...s, text: t });
  }
  return out;
}

export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}

export function Lines({ lines, width, rows, color }: { lines: readonly Line[]; width: number; rows: number; color: boolean }) {
  const shown: Line[] = lines.slice(0, rows);
  while (shown.length < rows) shown.push([]);
  return (
    <Box flexDirection="column" width={width} height={rows}>
      {shown.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {fitLine(l, width, color).map((s, j) =>
            color ? (
              <Text key={j} {...(s.color ? { color: s.color } : {})} bold={s.bold ?? false} inverse={s.inverse ?? false} dimColor={s.dim ?? false}>{s.text}</Text>
            ) : (
              <Text key={j}>{s.text}</Text>
            ))}
        </Text>
      ))}
    </Box>
  );
}

/** Rows of a list around the selected one, so it stays on screen. */
export function windowAround<T>(items: readonly T[], selected: number, rows: number): { start: number; shown: readonly T[] } {
  const start = Math.max(0, Math.min(items.length - rows, selected - Math.floor(rows / 3)));
  return { start, shown: items.slice(start, start + rows) };
}

export function hex16(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}
