// Two traces compared as their text dumps (dump.ts), aligned the way a reader would: each thread's own lines
// against the same thread's lines (a different interleaving is a difference where a thread is switched in, not
// everywhere after it), episode against episode (the k-th exception dispatch against the k-th, thread starts
// likewise), and the call structure at the first divergence (which calls were open) said as a call path.
//
// How lines are matched depends on what the two traces are (DiffMode):
// - the same program (same sha256): line text against line text, every value exact;
// - two builds of one program by the same Go (a relinked program): line keys (CanonicalNames in value-names.ts):
//   data addresses by their symbol, heap and stack addresses by their region, ADRP pages and the low 12 bits that
//   complete them masked, so the traces align past relinked code and differ where the behaviour does;
// - programs built by different Go releases: instruction streams of two runtimes have nothing to align line by
//   line (rt0_go already differs), so episodes are compared by what they did (dispatch path, handlers, outcome),
//   and inside the first that differs the routines each side entered are aligned by name: the first divergence
//   is where one runtime goes into a routine the other does not (1.19's sigtramp_g0, 1.21+'s sigtrampgo).

import { type DumpSelection, episodeSelection, wholeTrace } from './dump-selection.ts';
import { type DumpLine, dumpLines } from './dump.ts';
import type { Episode } from './episodes.ts';
import { goRelease } from './go-runtimes.ts';
import { isCall, isReturn } from './insn.ts';
import type { Replay } from './replay.ts';
import type { Trace } from './trace.ts';
import { CanonicalNames, keysEquivalent, type MemoryLayout } from './value-names.ts';

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
  /**
   * Compared by keys: lines of the thread before it that ran the same instruction but with other values (a value
   * difference does not stop the walk; only a difference in what runs, or in an event, does). `first` and `last`
   * are the earliest and the latest; undefined when there were none. At the end of the streams with only value
   * differences, the divergence is the first of them and this is set too.
   */
  readonly values?: { readonly count: number; readonly first: LinePair; readonly last: LinePair };
  /**
   * Compared by keys: routines that went another way inside on the two sides and returned to the same place, so the
   * walk went on after them (an alignment-dependent path in memchr); the first of them.
   */
  readonly detours?: { readonly count: number; readonly first: LinePair };
}

export interface LinePair {
  readonly a: DumpLine;
  readonly b: DumpLine;
}

/** What the episodes of two runs did, where that differs (episodes mode). */
export interface EpisodeFacts {
  /** "dispatch path", "handlers", "outcome", "name": each with the two sides' values. */
  readonly differences: ReadonlyArray<{ readonly what: string; readonly a: string; readonly b: string }>;
}

/** One run of consecutive steps of a thread inside one routine. */
export interface RoutineRun {
  readonly name: string;
  /** The run's first line, and the line before it on the thread (the call, branch or return into it). */
  readonly first: DumpLine;
  readonly before: DumpLine | undefined;
  readonly steps: number;
  /** Routines open when the run starts, outermost first, itself last. */
  readonly callPath: readonly string[];
}

/** Where two threads first go into different routines. */
export interface RoutineDivergence {
  readonly tid: number;
  /** Runs the same by name, in both, before the divergence. */
  readonly matched: ReadonlyArray<{ readonly name: string; readonly stepsA: number; readonly stepsB: number }>;
  /** The first run that differs; undefined where that side's thread has no more runs. */
  readonly a: RoutineRun | undefined;
  readonly b: RoutineRun | undefined;
}

export interface EpisodePair {
  readonly a: Episode | undefined;
  readonly b: Episode | undefined;
  /** Paired episodes: where their dumps first differ (undefined: the same; in episodes mode, only for `first`). */
  readonly divergence: Divergence | undefined;
  /** Episodes mode: how what they did differs (undefined: the same). */
  readonly facts?: EpisodeFacts;
  /** Episodes mode, the first differing pair: where the routines entered first differ. */
  readonly routines?: RoutineDivergence;
}

/**
 * exact: the same program, lines compared as text. symbolic: two builds by one Go, lines compared by their keys.
 * episodes: programs of two Go releases, episodes compared by what they did.
 */
export type DiffMode = 'exact' | 'symbolic' | 'episodes';

export interface TraceDiff {
  readonly same: boolean;
  readonly mode: DiffMode;
  /** Each program's Go toolchain as its build info says (undefined: not known). */
  readonly go: { readonly a: string | undefined; readonly b: string | undefined };
  /** undefined when the traces start at different instructions (different windows) or in episodes mode. */
  readonly whole: { readonly divergence: Divergence | undefined; readonly steps: number } | undefined;
  readonly episodes: readonly EpisodePair[];
  /** Episodes mode: the first pair whose facts differ (or that only one run has). */
  readonly first: EpisodePair | undefined;
  /** How each run ended, when they ended differently. */
  readonly ends: { readonly a: string; readonly b: string } | undefined;
}

export interface DiffOptions {
  /** Lines of context before a divergence. */
  readonly context?: number;
  /** How to compare; by default from the programs' sha256 and Go versions (diffMode). */
  readonly mode?: DiffMode;
}

/** The mode two traces are compared in unless told: see DiffMode. */
export function diffMode(a: Trace, b: Trace): DiffMode {
  const pa = a.header.program;
  const pb = b.header.program;
  if (pa.sha256 === pb.sha256) return 'exact';
  const ra = goRelease(pa.goVersion);
  const rb = goRelease(pb.goVersion);
  return ra !== undefined && rb !== undefined && ra !== rb ? 'episodes' : 'symbolic';
}

/** Where code, stacks and mapped memory lie in a run, for CanonicalNames. */
export function memoryLayout(trace: Trace): MemoryLayout {
  const h = trace.header;
  const code: Array<[number, number]> = [];
  const mapped: Array<[number, number]> = [];
  const stacks: Array<[number, number]> = h.threads.map((t) => [Number(t.stackLimit), Number(t.stackBase)]);
  for (const r of h.regions) {
    const range: [number, number] = [Number(r.base), Number(r.base) + r.size];
    mapped.push(range);
    if (r.prot.includes('x')) code.push(range);
  }
  for (const { event: e } of trace.events()) {
    if (e.kind === 'memory-mapped') {
      const range: [number, number] = [Number(e.base), Number(e.base) + e.size];
      mapped.push(range);
      if (e.prot.includes('x')) code.push(range);
    } else if (e.kind === 'thread-created') stacks.push([Number(e.stackLimit), Number(e.stackBase)]);
  }
  return { code, stacks, mapped };
}

/** Compares two traces; load both disassemblers first. */
export function diffTraces(a: Replay, b: Replay, opts: DiffOptions = {}): TraceDiff {
  const context = opts.context ?? 8;
  const mode = opts.mode ?? diffMode(a.trace, b.trace);
  const go = { a: a.trace.header.program.goVersion, b: b.trace.header.program.goVersion };
  const keys: CompareKeys | undefined = mode === 'exact' ? undefined
    : { a: new CanonicalNames(a.trace.symbols, memoryLayout(a.trace)), b: new CanonicalNames(b.trace.symbols, memoryLayout(b.trace)) };
  const endOf = (r: Replay) => {
    const s = r.trace.footer?.summary;
    return s ? `exit code ${s.exitCode} (${s.endReason})` : 'stopped early (no footer)';
  };
  // A recording cut short (Ctrl-C, a crash: no footer) has no end to compare, and running out of lines where it
  // was cut is not a difference: against the whole recording, its common prefix is what is compared.
  const cut = a.trace.truncated || b.trace.truncated;
  const ends = cut || endOf(a) === endOf(b) ? undefined : { a: endOf(a), b: endOf(b) };
  const atCut = (d: Divergence | undefined): Divergence | undefined =>
    d && ((d.a === undefined && a.trace.truncated) || (d.b === undefined && b.trace.truncated)) ? undefined : d;
  const lastA = a.trace.totalSteps;
  const lastB = b.trace.totalSteps;
  /** An episode only one side has, because the other was cut before it began. */
  const pastCut = (p: { a?: { start: number } | undefined; b?: { start: number } | undefined }) =>
    (!p.b && p.a && b.trace.truncated && p.a.start >= lastB) || (!p.a && p.b && a.trace.truncated && p.b.start >= lastA);
  const pairs = pairEpisodes(a.episodes(), b.episodes()).filter((p) => !pastCut(p));

  if (mode === 'episodes') {
    let first: EpisodePair | undefined;
    const episodes = pairs.map(({ a: ea, b: eb }): EpisodePair => {
      if (!ea || !eb) {
        const p = { a: ea, b: eb, divergence: undefined };
        first ??= p;
        return p;
      }
      const facts = episodeFacts(ea, eb, keys!);
      if (!facts || first) return { a: ea, b: eb, divergence: undefined, ...(facts ? { facts } : {}) };
      const selA = episodeSelection(a.trace, ea);
      const selB = episodeSelection(b.trace, eb);
      const routines = compareRoutines(a, selA, b, selB);
      // Only the instructions: the registers when the episode begins, and what the emulated Windows copies from
      // them (the CONTEXT), are whatever each runtime left there before it, not what the dispatch did.
      const divergence = atCut(compareSelections(a, selA, b, selB, context, keys, true).divergence);
      first = { a: ea, b: eb, divergence, facts, ...(routines ? { routines } : {}) };
      return first;
    });
    return { same: !first && !ends, mode, go, whole: undefined, episodes, first, ends };
  }

  const sameWindow = a.trace.header.firstStep === b.trace.header.firstStep;
  const compared = sameWindow ? compareSelections(a, wholeTrace(a.trace), b, wholeTrace(b.trace), context, keys) : undefined;
  const whole = compared && { ...compared, divergence: atCut(compared.divergence) };
  const episodes = pairs.map(({ a: ea, b: eb }) => ({
    a: ea, b: eb,
    divergence: ea && eb ? atCut(compareSelections(a, episodeSelection(a.trace, ea), b, episodeSelection(b.trace, eb), context, keys).divergence) : undefined,
  }));
  const same = !whole?.divergence && !ends && episodes.every((e) => e.a && e.b && !e.divergence);
  return { same, mode, go, whole, episodes, first: undefined, ends };
}

/** The names each side's line keys are made with (symbolic and episodes modes). */
export interface CompareKeys {
  readonly a: CanonicalNames;
  readonly b: CanonicalNames;
}

/** What two paired episodes did, compared: undefined when the same. Values go through the keys' names. */
export function episodeFacts(a: Episode, b: Episode, keys: CompareKeys): EpisodeFacts | undefined {
  const differences: Array<{ what: string; a: string; b: string }> = [];
  const add = (what: string, x: string, y: string, kx = x, ky = y) => {
    if (kx !== ky) differences.push({ what, a: x, b: y });
  };
  add('episode', a.name, b.name, keys.a.text(a.name), keys.b.text(b.name));
  if (a.kind === 'exception') {
    const path = (e: Episode) => (e.path ? e.path.routines.join(' > ') : '(not a Go runtime this knows)');
    add('dispatch path', path(a), path(b));
    const handlers = (e: Episode) => e.marks.filter((m) => /handler/.test(m.label)).map((m) => m.label).join('; ');
    add('handlers', handlers(a), handlers(b), keys.a.text(handlers(a)), keys.b.text(handlers(b)));
  }
  add('outcome', a.outcome, b.outcome, keys.a.text(a.outcome), keys.b.text(b.outcome));
  return differences.length ? { differences } : undefined;
}

/**
 * The routines each thread of two selections runs through, in order, compared by name: the first run where the
 * names differ. Within a routine the instructions may differ (another compiler, another release); this says where
 * the two go different ways.
 */
export function compareRoutines(a: Replay, selA: DumpSelection, b: Replay, selB: DumpSelection): RoutineDivergence | undefined {
  const ra = routineRuns(a, selA);
  const rb = routineRuns(b, selB);
  let best: RoutineDivergence | undefined;
  for (const tid of new Set([...ra.keys(), ...rb.keys()])) {
    const xa = ra.get(tid) ?? [];
    const xb = rb.get(tid) ?? [];
    let i = 0;
    while (i < xa.length && i < xb.length && xa[i]!.name === xb[i]!.name) i++;
    if (i === xa.length && i === xb.length) continue;
    const d: RoutineDivergence = {
      tid,
      matched: xa.slice(0, i).map((r, k) => ({ name: r.name, stepsA: r.steps, stepsB: xb[k]!.steps })),
      a: xa[i], b: xb[i],
    };
    const at = (x: RoutineDivergence) => x.a?.first.position ?? Infinity;
    if (!best || at(d) < at(best)) best = d;
  }
  return best;
}

function routineRuns(r: Replay, sel: DumpSelection): Map<number, RoutineRun[]> {
  const out = new Map<number, RoutineRun[]>();
  const state = new Map<number, { path: string[]; callOpen: boolean; last: DumpLine | undefined; fn: string | undefined }>();
  const counts = new Map<RoutineRun, number>();
  for (const line of dumpLines(r, sel)) {
    if (line.kind !== 'step' || line.tid === undefined || line.pc === undefined) continue;
    let s = state.get(line.tid);
    if (!s) state.set(line.tid, (s = { path: [], callOpen: false, last: undefined, fn: undefined }));
    const fn = fnAt(r, line.pc);
    const runs = out.get(line.tid) ?? [];
    out.set(line.tid, runs);
    if (fn !== s.fn || s.callOpen) {
      enter(s.path, s.callOpen, fn);
      const run: RoutineRun = { name: fn, first: line, before: s.last, steps: 0, callPath: [...s.path] };
      runs.push(run);
      counts.set(run, 0);
    }
    const run = runs.at(-1)!;
    counts.set(run, counts.get(run)! + 1);
    s.fn = fn;
    s.callOpen = line.word !== undefined && isCall(line.word);
    if (line.word !== undefined && isReturn(line.word)) {
      s.path.pop();
      // The next step is in the caller again: a new run even when the callee was the same routine (recursion).
      s.fn = undefined;
    }
    s.last = line;
  }
  for (const [tid, runs] of out) out.set(tid, runs.map((x) => ({ ...x, steps: counts.get(x)! })));
  return out;
}

function fnAt(r: Replay, pc: number): string {
  return r.trace.symbols.lookup(pc)?.name ?? `0x${pc.toString(16)}`;
}

/** The innermost entry follows tail branches (B to another function); a call opens a new one, a return closes it. */
function enter(path: string[], callOpen: boolean, fn: string): void {
  if (callOpen || path.length === 0) path.push(fn);
  else path[path.length - 1] = fn;
}

/**
 * Pairs episodes in order: the k-th exception dispatch with the k-th, the k-th thread start with the k-th, when
 * both runs have as many of that kind (their names may differ: that is a difference to show, not a reason to
 * leave them unpaired); otherwise that kind pairs by name (a longest common subsequence), so one extra episode
 * pairs the rest.
 */
export function pairEpisodes(a: readonly Episode[], b: readonly Episode[]): Array<{ a: Episode | undefined; b: Episode | undefined }> {
  const count = (xs: readonly Episode[], kind: Episode['kind']) => xs.filter((e) => e.kind === kind).length;
  const byRank = new Set<Episode['kind']>((['exception', 'thread-start'] as const).filter((k) => count(a, k) === count(b, k)));
  const keysOf = (xs: readonly Episode[]) => {
    const rank = new Map<string, number>();
    return xs.map((e) => {
      const r = rank.get(e.kind) ?? 0;
      rank.set(e.kind, r + 1);
      return byRank.has(e.kind) ? `${e.kind} #${r}` : `${e.kind} ${e.name}`;
    });
  };
  const ka = keysOf(a);
  const kb = keysOf(b);
  const keyA = new Map(a.map((e, i) => [e, ka[i]!]));
  const keyB = new Map(b.map((e, i) => [e, kb[i]!]));
  const key = (e: Episode) => keyA.get(e) ?? keyB.get(e)!;
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
  values: { count: number; first: LinePair; last: LinePair } | undefined;
  /** Routines that took another path on each side, and the detour under way: each side's call depth in it. */
  detours: { count: number; first: LinePair } | undefined;
  detourA: number | undefined;
  detourB: number | undefined;
  detourDepth: number;
}

/**
 * The first line where thread streams of two selections differ. Both streams are pulled in step, so lines of
 * a thread wait only as long as the two traces interleave threads differently.
 */
export function compareSelections(a: Replay, selA: DumpSelection, b: Replay, selB: DumpSelection, context = 8, keys?: CompareKeys, stepsOnly = false): { divergence: Divergence | undefined; steps: number } {
  const ga = dumpLines(a, selA, keys ? { keys: keys.a } : {});
  const gb = dumpLines(b, selB, keys ? { keys: keys.b } : {});
  const lanes = new Map<number, ThreadLane>();
  const lane = (tid: number | undefined): ThreadLane => {
    const k = tid ?? -1;
    let l = lanes.get(k);
    if (!l) lanes.set(k, (l = { waitingA: [], waitingB: [], recent: [], path: [], callOpen: false, matched: 0, values: undefined, detours: undefined, detourA: undefined, detourB: undefined, detourDepth: 0 }));
    return l;
  };
  let steps = 0;
  const deltas = new Set<number>();
  const diverge = (tid: number | undefined, la: DumpLine | undefined, lb: DumpLine | undefined): Divergence => {
    const l = lane(tid);
    const path = [...l.path];
    const at = la ?? lb;
    if (at?.kind === 'step' && at.pc !== undefined) enter(path, l.callOpen, fnAt(la ? a : b, at.pc));
    return { tid, a: la, b: lb, context: l.recent, callPath: path, matched: l.matched, ...(l.values ? { values: { ...l.values } } : {}), ...(l.detours ? { detours: { ...l.detours } } : {}) };
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
  /**
   * One line of one side into its lane. A side in a detour (see below) drops its lines until the routine it
   * detoured in returns; otherwise the line is paired with the other side's waiting line, or waits for it.
   */
  const feed = (side: 'a' | 'b', line: DumpLine): Divergence | undefined => {
    const l = lane(line.tid);
    const d = side === 'a' ? l.detourA : l.detourB;
    if (d !== undefined) {
      if (line.kind === 'step' && line.word !== undefined) {
        let depth: number | undefined = d;
        if (isCall(line.word)) depth = d + 1;
        else if (isReturn(line.word)) depth = d === 0 ? undefined : d - 1;
        if (side === 'a') l.detourA = depth;
        else l.detourB = depth;
        if (depth === undefined && l.detourA === undefined && l.detourB === undefined) {
          // Both sides left the routine: it is closed, and the walk goes on in its caller.
          l.path.length = Math.max(0, l.detourDepth);
          l.callOpen = false;
        }
      }
      return undefined;
    }
    const partner = side === 'a' ? l.waitingB : l.waitingA;
    const other = partner.shift();
    if (!other) {
      (side === 'a' ? l.waitingA : l.waitingB).push(line);
      return undefined;
    }
    const [la, lb] = side === 'a' ? [line, other] : [other, line];
    if (keys ? keysEquivalent(la.key ?? la.text, lb.key ?? lb.text, deltas) : la.text === lb.text) {
      match(l, la);
      return undefined;
    }
    if (!keys || la.kind !== 'step' || lb.kind !== 'step') return diverge(line.tid, la, lb);
    const pair = { a: la, b: lb };
    if (sameInstruction(la.key!, lb.key!, deltas)) {
      if (l.values) {
        l.values.count++;
        l.values.last = pair;
      } else l.values = { count: 1, first: pair, last: pair };
      match(l, la);
      return undefined;
    }
    // Another path inside the same routine, entered the same way (a string aligned otherwise after a relink takes
    // memchr's other loop): a detour, if that routine was called rather than being the thread's outermost. Both
    // sides drop their lines until it returns, then they are compared again.
    const fa = fnAt(a, la.pc!);
    if (fa !== fnAt(b, lb.pc!) || l.path.length < 2 || l.path.at(-1) !== fa) return diverge(line.tid, la, lb);
    l.detours = l.detours ? { count: l.detours.count + 1, first: l.detours.first } : { count: 1, first: pair };
    l.detourDepth = l.path.length - 1;
    l.detourA = 0;
    l.detourB = 0;
    const waiting = [...l.waitingA.map((x) => ['a', x] as const), ...l.waitingB.map((x) => ['b', x] as const)];
    l.waitingA.length = 0;
    l.waitingB.length = 0;
    for (const [sd, x] of [['a', la], ['b', lb], ...waiting] as const) {
      const div = feed(sd, x);
      if (div) return div;
    }
    return undefined;
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
      if (stepsOnly && line.kind !== 'step') continue;
      // By keys, when each thread ran is not compared: a detour or a longer string shifts every later quantum.
      if (keys && (line.kind === 'fold' || (line.kind === 'event' && SWITCH_EVENT.test(line.text)))) continue;
      const div = feed(side, line);
      if (div) return { divergence: div, steps };
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
  // The same instructions ran throughout, but some values differed: the first of those is the divergence.
  let firstSoft: { tid: number | undefined; l: ThreadLane; at: LinePair } | undefined;
  for (const [k, l] of lanes) {
    for (const at of [l.values?.first, l.detours?.first]) {
      if (at && (!firstSoft || at.a.position < firstSoft.at.a.position)) firstSoft = { tid: k === -1 ? undefined : k, l, at };
    }
  }
  if (firstSoft) {
    const { l, at } = firstSoft;
    const divergence: Divergence = {
      tid: firstSoft.tid, a: at.a, b: at.b, context: [], callPath: [fnAt(a, at.a.pc!)], matched: l.matched,
      ...(l.values ? { values: { ...l.values } } : {}), ...(l.detours ? { detours: { ...l.detours } } : {}),
    };
    return { divergence, steps };
  }
  return { divergence: undefined, steps };
}

const SWITCH_EVENT = / \* switch to thread /;

/** Step keys that ran the same instruction at the same place (their effects, after the tab, may differ). */
function sameInstruction(ka: string, kb: string, deltas: Set<number>): boolean {
  return keysEquivalent(ka.slice(0, ka.indexOf('\t')), kb.slice(0, kb.indexOf('\t')), deltas);
}
