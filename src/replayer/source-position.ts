// `FILE:LINE` as a user types it (`main.go:42`, `panic-recover/main.go:42`, `runtime/sys_windows_arm64.s:142`, or
// an absolute path on this machine) turned into the pc runs the program's line tables give that line.

import { UsageError } from '../errors.ts';
import type { LineRun, PclntabLines } from './pclntab-lines.ts';

export interface LinePcs {
  /** The file as the line tables name it. */
  readonly file: string;
  readonly line: number;
  /** The pc runs of the line, in address order. */
  readonly runs: readonly LineRun[];
}

/** `FILE:LINE` split, when `text` has that shape (a file name with a dot, then a decimal line). */
export function parseFileLine(text: string): { file: string; line: number } | undefined {
  const m = /^(.*[^/\s]\.[A-Za-z0-9]+):(\d+)$/.exec(text.trim());
  return m ? { file: m[1]!, line: Number(m[2]) } : undefined;
}

/**
 * How many trailing path components of `name` (a line-table file) agree with `wanted`; a relative `wanted` must
 * agree whole, an absolute one (a path on this machine, whose leading directories the build never saw) in at least
 * its base name.
 */
function agreement(name: string, wanted: string): number {
  const a = name.split('/');
  const w = wanted.replace(/\\/g, '/').split('/').filter((x, i) => x !== '' || i === 0);
  let k = 0;
  while (k < a.length && k < w.length && a[a.length - 1 - k] === w[w.length - 1 - k]) k++;
  const absolute = wanted.startsWith('/');
  if (absolute) return k;
  return k === w.length ? k : 0;
}

/** The pc runs of `file:line`; throws UsageError naming what is wrong (no such file, no code on that line). */
export function resolveFileLine(lines: PclntabLines | undefined, text: string): LinePcs {
  const fl = parseFileLine(text);
  if (!fl) throw new UsageError(`'${text}' is not FILE:LINE (e.g. main.go:42)`);
  if (!lines) throw new UsageError(`${text}: the program has no Go line tables (pclntab), so no source lines`);
  const base = fl.file.replace(/\\/g, '/').split('/').pop()!;
  const candidates = lines.files((n) => n === base || n.endsWith(`/${base}`));
  let best = 0;
  let files: string[] = [];
  for (const n of candidates) {
    const k = agreement(n, fl.file);
    if (k > best) [best, files] = [k, [n]];
    else if (k === best && k > 0) files.push(n);
  }
  if (files.length === 0) {
    throw new UsageError(`${text}: no file ${fl.file} in the program's line tables` +
      `${candidates.length ? ` (files named ${base}: ${candidates.slice(0, 5).join(', ')})` : ''}`);
  }
  if (files.length > 1) throw new UsageError(`${text}: ${fl.file} names ${files.length} files (${files.slice(0, 5).join(', ')}); give more of the path`);
  const file = files[0]!;
  const all = lines.runsIn((n) => n === file);
  const runs = all.filter((r) => r.line === fl.line);
  if (runs.length === 0) {
    const near = nearestLines(all.map((r) => r.line), fl.line);
    throw new UsageError(`${text}: no instruction of ${file} is at line ${fl.line}` +
      `${near.length ? ` (nearest lines with code: ${near.join(', ')})` : ''}`);
  }
  return { file, line: fl.line, runs };
}

function nearestLines(lines: number[], line: number): number[] {
  const set = [...new Set(lines)];
  const below = set.filter((l) => l < line).sort((a, b) => b - a)[0];
  const above = set.filter((l) => l > line).sort((a, b) => a - b)[0];
  return [below, above].filter((l): l is number => l !== undefined);
}

/** Every instruction address of the runs (pcs step by 4 on arm64). */
export function runPcs(runs: readonly LineRun[]): Set<number> {
  const out = new Set<number>();
  for (const r of runs) for (let pc = r.start; pc < r.end; pc += 4) out.add(pc);
  return out;
}
