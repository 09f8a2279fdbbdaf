// The Go or assembly source around the current line: `=>` the line of the pc about to execute, the file it came
// from on the first line; where the file is not on this machine, or the pc is outside Go's line tables, one line
// saying so.

import type { SourcePaneView } from '../pane-data.ts';
import { type Line, seg } from './Lines.tsx';

const TAB = 4;

export function sourcePaneLines(view: SourcePaneView, width: number): Line[] {
  if ('pc' in view) return [[seg(`no source line for pc 0x${view.pc.toString(16)}: it is outside the program's Go line tables`, { dim: true })]];
  if (view.path === undefined) {
    const name = view.file.split('/').pop()!;
    return [
      [seg(`${name}:${view.line}: file not found`, { color: 'yellow', bold: true })],
      [seg('looked in:', { dim: true })],
      ...(view.searched ?? []).map((p): Line => [seg(shortenPath(p, width), { dim: true })]),
      [seg('--source-dir DIR adds a place', { dim: true })],
    ];
  }
  const digits = String(view.lines.at(-1)?.[0] ?? view.line).length;
  const head: Line = [seg(shortenPath(view.path, width), { dim: true })];
  return [head, ...view.lines.map(([n, text]): Line => {
    const current = n === view.line;
    const style = current ? { color: 'green', bold: true } : {};
    return [seg(current ? '=>' : '  ', style), seg(` ${String(n).padStart(digits)} `, { dim: !current }), seg(text.replace(/\t/g, ' '.repeat(TAB)), style)];
  })];
}

/** The path's tail when it does not fit: `~/runtime/sys_windows_arm64.s`. */
function shortenPath(path: string, width: number): string {
  return path.length <= width ? path : `~${path.slice(path.length - width + 1)}`;
}
