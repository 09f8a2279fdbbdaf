// Places a user names on the command line or in the TUI's prompts, turned into positions: `N` (a position),
// `N%`, `SYMBOL` or `SYMBOL+0xOFF` (its first execution), `FILE:LINE` (the first execution of a pc of that Go or
// assembly line), `episode:K`, `violation:K`, `event:K`.

import { UsageError } from '../errors.ts';
import type { Replay } from './replay.ts';
import { findExecution, runTo } from './search.ts';
import { formatLine } from './source-lines.ts';
import { parseFileLine, resolveFileLine, runPcs } from './source-position.ts';

export interface Located {
  readonly position: number;
  /** What the place was, for a status line: `episode 3: exception 0xC0000005 at main.readValue`. */
  readonly label: string;
}

/** Address of `SYMBOL`, `SYMBOL+0xOFF` or `0xADDR`; undefined if no such symbol. */
export function resolveAddress(replay: Replay, text: string): number | undefined {
  const t = text.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t.slice(2), 16);
  const m = /^(.+?)\+(0x[0-9a-f]+|\d+)$/i.exec(t);
  const name = m ? m[1]! : t;
  const base = replay.trace.symbols.resolve(name);
  if (base === undefined) return undefined;
  return base + (m ? Number(m[2]) : 0);
}

/** The forms a place takes, for the messages that ask for one. */
const PLACES = 'N, N%, SYMBOL[+0xOFF], FILE:LINE, episode:K, violation:K or event:K';

export async function locate(replay: Replay, at: string): Promise<Located> {
  const trace = replay.trace;
  const t = at.trim();
  // An empty place is not position 0, nor a search for symbols containing nothing.
  if (t === '') throw new UsageError(`--at '${at}': names no place; use ${PLACES}`);
  if (/^\d+$/.test(t)) {
    const p = Number(t);
    if (p > trace.totalSteps) throw new UsageError(`--at ${t}: the trace has positions 0-${trace.totalSteps}`);
    return { position: p, label: `position ${p}` };
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct) {
    const f = Number(pct[1]);
    if (f > 100) throw new UsageError(`--at ${t}: a percentage is at most 100%`);
    return { position: Math.round((trace.totalSteps * f) / 100), label: `${f}%` };
  }
  const kind = /^(episode|violation|event):(\d+)$/i.exec(t);
  if (kind) {
    const k = Number(kind[2]);
    const what = kind[1]!.toLowerCase();
    if (what === 'episode') {
      const list = replay.episodes();
      const e = list[k];
      if (!e) throw new UsageError(`--at ${t}: the trace has ${list.length} episode${list.length === 1 ? '' : 's'} (0-${list.length - 1}); list them with 'wintrace episodes'`);
      return { position: e.start, label: `episode ${k}: ${e.name}` };
    }
    if (what === 'violation') {
      const list = replay.violations ?? (await replay.check()).violations;
      const v = list[k];
      if (!v) throw new UsageError(`--at ${t}: the trace has ${list.length} ABI violation${list.length === 1 ? '' : 's'}; list them with 'wintrace check'`);
      return { position: v.position, label: `violation ${k}: ${v.rule} at ${v.symbol}` };
    }
    const list = trace.events();
    const e = list[k];
    if (!e) throw new UsageError(`--at ${t}: the trace has ${list.length} events; list them with 'wintrace events'`);
    return { position: Math.max(0, e.position), label: `event ${k}: ${e.event.kind}` };
  }
  if (parseFileLine(t)) return locateLine(replay, t);
  const address = resolveAddress(replay, t);
  if (address === undefined) {
    const near = trace.symbols.search(t, 5);
    throw new UsageError(`--at ${t}: no such position, symbol or place${near.length ? ` (symbols containing it: ${near.join(', ')})` : ''}; ` +
      `use ${PLACES}`);
  }
  const first = trace.totalSteps > 0 && trace.stepAt(0).pc === address ? 0 : findExecution(trace, 0, 1, address);
  if (first === undefined) throw new UsageError(`--at ${t}: ${trace.symbols.format(address)} never executes in this trace`);
  return { position: first, label: `first execution of ${trace.symbols.format(address)}` };
}

function locateLine(replay: Replay, text: string): Located {
  const trace = replay.trace;
  let where;
  try {
    where = resolveFileLine(trace.sourceLines, text);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`--at ${e.message}`);
    throw e;
  }
  const pcs = runPcs(where.runs);
  const label = formatLine(where, 2);
  let position = 0;
  if (!(trace.totalSteps > 0 && pcs.has(trace.stepAt(0).pc))) {
    const stop = runTo(trace, 0, 1, { breakpoints: pcs });
    if (stop.reason !== 'breakpoint') throw new UsageError(`--at ${text}: ${label} never executes in this trace`);
    position = stop.position;
  }
  return { position, label: `first execution of ${label} (${trace.symbols.format(trace.stepAt(position).pc)})` };
}
