// Instructions around pc: `=>` the one about to execute, `b` a breakpoint, each with its symbol+offset and a
// direct branch's target named; the Go source line where a line begins (and at pc), as objdump -S marks them.

import type { DisasmLine } from '../../replayer/view.ts';
import { type Line, Lines, seg } from './Lines.tsx';

export function disasmLines(lines: readonly DisasmLine[], breakpoints: ReadonlyMap<number, string>, width: number): Line[] {
  const withAddress = width >= 90;
  const locWidth = Math.min(30, Math.max(18, Math.floor(width * 0.42)));
  return lines.map((l, i) => {
    const newLine = l.line !== undefined && (l.current || l.line !== lines[i - 1]?.line);
    const bp = breakpoints.has(l.address);
    const mark = `${bp ? 'b' : ' '}${l.current ? '=>' : '  '} `;
    const style = l.current ? { color: 'green', bold: true } : {};
    return [
      seg(mark, bp ? { color: 'red', bold: true } : style),
      ...(withAddress ? [seg(`${l.address.toString(16).padStart(9)} `, { dim: !l.current })] : []),
      seg(`${shorten(l.location, locWidth).padEnd(locWidth)} `, { ...style, ...(l.current ? {} : { color: 'cyan' }) }),
      seg(l.text, style),
      ...(l.target ? [seg(`  ; ${l.target}`, { color: 'magenta' })] : []),
      ...(newLine ? [seg(`  ${l.line}`, { color: 'yellow', dim: !l.current })] : []),
    ];
  });
}

/** `symbol+0xoff` cut to `width`, keeping the offset: `type..eq.fm~+0x6c`. */
export function shorten(location: string, width: number): string {
  if (location.length <= width) return location;
  const plus = location.lastIndexOf('+');
  const off = plus > 0 && location.length - plus < width - 2 ? location.slice(plus) : '';
  return `${location.slice(0, width - off.length - 1)}~${off}`;
}

export function DisasmPane(props: { lines: readonly DisasmLine[]; breakpoints: ReadonlyMap<number, string>; width: number; rows: number; color: boolean }) {
  return <Lines lines={disasmLines(props.lines, props.breakpoints, props.width)} width={props.width} rows={props.rows} color={props.color} />;
}
