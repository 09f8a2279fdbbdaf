// Two traces compared as their text dumps (dump.ts), aligned the way a reader would: each thread's own lines
// against the same thread's lines (a different interleaving is a difference where a thread is switched in, not
// everywhere after it), episode against episode (exception dispatches and thread starts paired by name and
// order), and the call structure at the first divergence (which calls were open) said as a call path.

import { type DumpSelection, episodeSelection, wholeTrace } from './dump-selection.ts';
import { type DumpLine, dumpLines } from './dump.ts';
import type { Episode } from './episodes.ts';
import { isCall, isReturn } from './insn.ts';
import type { Replay } from './replay.ts';

export interface Divergence {
  /** The thread whose lines differ (undefined: lines of no thread, such as folds). */
  readonly tid: number | undefined;
  /** The first line that differs in each trace; undefined where that trace's thread has no more lines. */
  readonly a: DumpLine | undefined;
  readonly b: DumpLine | undefined;
  /** The thread's lines just before, the same in both traces. */
  readonly context: readonly DumpLine[];
  /** Functions open at the divergence, outermost first, from the calls and returns seen since the start. */
  readonly callPath: readonly string[];
  /** Lines of that thread that matched before the divergence. */
  readonly matched: number;
}

export interface EpisodePair {
  readonly a: Episode | undefined;
  readonly b: Episode | undefined;
  /** Paired episodes: where their dumps first differ (undefined: the same). */
  readonly divergence: Divergence | undefined;
}

export interface TraceDiff {
  readonly same: boolean;
  /** undefined when the traces start at different instructions (different windows): only episodes compare. */
  readonly whole: { readonly divergence: Divergence | undefined; readonly steps: number } | undefined;
  readonly episodes: readonly EpisodePair[];
  /** How each run ended, when they ended differently. */
  readonly ends: { readonly a: string; readonly b: string } | undefined;
}

export interface DiffOptions {
  /** Lines of context before a divergence. */
  readonly context?: number;
}

/** Compares two traces; load both disassemblers first. */
export function diffTraces(a: Replay, b: Replay, opts: DiffOptions = {}): TraceDiff {
  const context = opts.context ?? 8;
  const sameWindow = a.trace.header.firstStep === b.trace.header.firstStep;
  const whole = sameWindow ? compareSelections(a, wholeTrace(a.trace), b, wholeTrace(b.trace), context) : undefined;
  const episodes = pairEpisodes(a.episodes(), b.episodes()).map(({ a: ea, b: eb }) => ({
    a: ea, b: eb,
    divergence: ea && eb ? compareSelections(a, episodeSelection(a.trace, ea), b, episodeSelection(b.trace, eb), context).divergence : undefined,
  }));
  const endOf = (r: Replay) => {
    const s = r.trace.footer?.summary;
    return s ? `exit code ${s.exitCode} (${s.endReason})` : 'stopped early (no footer)';
  };
  const ends = endOf(a) === endOf(b) ? undefined : { a: endOf(a), b: endOf(b) };
  const same = !whole?.divergence && !ends && episodes.every((e) => e.a && e.b && !e.divergence);
  return { same, whole, episodes, ends };
}

/** Pairs episodes by kind and name in order (a longest common subsequence), so one extra episode pairs the rest. */
export function pairEpisodes(a: readonly Episode[], b: readonly Episode[]): Array<{ a: Episode | undefined; b: Episode | undefined }> {
  const key = (e: Episode) => `${e.kind} ${e.name}`;
  const n = a.length;
  const m = b.length;
  const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) L[i]![j] = key(a[i]!) === key(b[j]!) ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  }
  const out: Array<{ a: Episode | undefined; b: Episode | undefined }> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && key(a[i]!) === key(b[j]!)) out.push({ a: a[i++], b: b[j++] });
    else if (j >= m || (i < n && L[i + 1]![j]! >= L[i]![j + 1]!)) out.push({ a: a[i++], b: undefined });
    else out.push({ a: undefined, b: b[j++] });
  }
  return out;
}

/** Per-thread state while the two streams are walked: lines waiting for their partner, context, call path. */
interface ThreadLane {
  readonly waitingA: DumpLine[];
  readonly waitingB: DumpLine[];
  readonly recent: DumpLine[];
  readonly path: string[];
  callOpen: boolean;
  matched: number;
}

/**
 * The first line where thread streams of two selections differ. Both streams are pulled in step, so lines of
 * a thread wait only as long as the two traces interleave threads differently.
 */
export function compareSelections(a: Replay, selA: DumpSelection, b: Replay, selB: DumpSelection, context = 8): { divergence: Divergence | undefined; steps: number } {
  const ga = dumpLines(a, selA);
  const gb = dumpLines(b, selB);
  const lanes = new Map<number, ThreadLane>();
  const lane = (tid: number | undefined): ThreadLane => {
    const k = tid ?? -1;
    let l = lanes.get(k);
    if (!l) lanes.set(k, (l = { waitingA: [], waitingB: [], recent: [], path: [], callOpen: false, matched: 0 }));
    return l;
  };
  let steps = 0;
  const fnAt = (r: Replay, pc: number) => r.trace.symbols.lookup(pc)?.name ?? `0x${pc.toString(16)}`;
  // The innermost entry follows tail branches (B to another function); a call opens a new one, a return closes it.
  const enter = (path: string[], callOpen: boolean, fn: string) => {
    if (callOpen || path.length === 0) path.push(fn);
    else path[path.length - 1] = fn;
  };
  const diverge = (tid: number | undefined, la: DumpLine | undefined, lb: DumpLine | undefined): Divergence => {
    const l = lane(tid);
    const path = [...l.path];
    const at = la ?? lb;
    if (at?.kind === 'step' && at.pc !== undefined) enter(path, l.callOpen, fnAt(la ? a : b, at.pc));
    return { tid, a: la, b: lb, context: l.recent, callPath: path, matched: l.matched };
  };
  const match = (l: ThreadLane, line: DumpLine) => {
    l.matched++;
    if (line.kind === 'step' && line.pc !== undefined) {
      steps++;
      enter(l.path, l.callOpen, fnAt(a, line.pc));
      l.callOpen = line.word !== undefined && isCall(line.word);
      if (line.word !== undefined && isReturn(line.word)) l.path.pop();
    }
    l.recent.push(line);
    if (l.recent.length > context) l.recent.shift();
  };
  let doneA = false;
  let doneB = false;
  while (!doneA || !doneB) {
    for (const side of ['a', 'b'] as const) {
      if (side === 'a' ? doneA : doneB) continue;
      const next = (side === 'a' ? ga : gb).next();
      if (next.done) {
        if (side === 'a') doneA = true;
        else doneB = true;
        continue;
      }
      const line = next.value;
      const l = lane(line.tid);
      const partner = side === 'a' ? l.waitingB : l.waitingA;
      const other = partner.shift();
      if (!other) {
        (side === 'a' ? l.waitingA : l.waitingB).push(line);
        continue;
      }
      const [la, lb] = side === 'a' ? [line, other] : [other, line];
      if (la.text !== lb.text) return { divergence: diverge(line.tid, la, lb), steps };
      match(l, la);
    }
  }
  // One trace has lines the other lacks: the earliest such line.
  let first: { tid: number | undefined; a: DumpLine | undefined; b: DumpLine | undefined; at: number } | undefined;
  for (const [k, l] of lanes) {
    const la = l.waitingA[0];
    const lb = l.waitingB[0];
    const at = (la ?? lb)?.position;
    if (at !== undefined && (!first || at < first.at)) first = { tid: k === -1 ? undefined : k, a: la, b: lb, at };
  }
  if (first) return { divergence: diverge(first.tid, first.a, first.b), steps };
  return { divergence: undefined, steps };
}
