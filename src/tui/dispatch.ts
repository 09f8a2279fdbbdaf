// The one place a key becomes an action: prompt editing, UI-only changes, and moves, each move one call into
// the replayer (navigate.ts, stepping.ts, search.ts, locate.ts, address-expr.ts). The TUI computes no position
// itself: what a key does here is what the replayer says that move is.

import type { Violation } from '../replayer/abi/violation.ts';
import { evaluateAddress, evaluateRange } from '../replayer/address-expr.ts';
import { describeWrite } from '../replayer/describe-write.ts';
import { describeEvent, hex, slotName, tidName } from '../replayer/describe.ts';
import { type GoroutineTarget, goroutineStep, targetAt } from '../replayer/goroutine-stepping.ts';
import { goroutineAt } from '../replayer/goroutines.ts';
import { locate, resolveAddress } from '../replayer/locate.ts';
import { adjacentEpisode, adjacentEvent, adjacentViolation, episodeAt, indexAtOrBefore, registerChangeMove, threadMove, threadSwitch, writeMove } from '../replayer/navigate.ts';
import { type Direction, findExecution, type RunConditions, type RunStop } from '../replayer/search.ts';
import { threadAt } from '../replayer/stepping.ts';
import { formatLine, lineSuffix } from '../replayer/source-lines.ts';
import { type LinePcs, parseFileLine, resolveFileLine } from '../replayer/source-position.ts';
import { parseStructSpec } from '../replayer/struct-view.ts';
import { D8_D15_SLOTS, GENERAL_SLOTS } from '../replayer/view.ts';
import { helpMaxScroll } from './components/HelpPane.tsx';
import { fieldWriterPosition, fieldWriterText } from './components/StructPane.tsx';
import { violationDetailLines } from './components/ViolationDetail.tsx';
import { type Command, commandFor } from './keys/bindings.ts';
import { openOrigin, originKey } from './origin-keys.ts';
import type { PaneData } from './pane-data.ts';
import { cycleFocus, focusPane, type ListPane, LIST_PANES, moveTo, type PromptKind, type UiState } from './state/ui-state.ts';

export type Effect =
  /** Work that takes a while (the ABI check, a location that needs it): the App shows `label`, then the result. */
  | { readonly kind: 'async'; readonly label: string; readonly run: (s: UiState) => Promise<UiState> }
  | { readonly kind: 'continue'; readonly dir: Direction };

export interface Result {
  readonly state: UiState;
  readonly effect?: Effect;
}

const PROMPTS: Partial<Record<Command, PromptKind>> = { goto: 'goto', 'breakpoint-symbol': 'breakpoint', watch: 'watch', search: 'search', memory: 'memory', origin: 'origin', struct: 'struct' };

/** The structure `x` shows when none was asked for: the running thread's TEB, as X18 holds it. */
const DEFAULT_STRUCT = 'TEB@x18';

export function visibleSlots(s: UiState): readonly number[] {
  return s.showFp ? [...GENERAL_SLOTS, ...D8_D15_SLOTS] : GENERAL_SLOTS;
}

/** The terminal's size, for the views that scroll (a violation's explanation). */
export interface Viewport {
  readonly width: number;
  readonly height: number;
}

/** One key token (keys/tokens.ts) applied to the state. */
export function handleToken(data: PaneData, s: UiState, token: string, viewport: Viewport = { width: 80, height: 24 }): Result {
  const r = applyToken(data, s, token, viewport);
  const e = r.effect;
  return {
    state: revealViolationRegisters(data, s.position, r.state),
    ...(e ? { effect: e.kind === 'async' ? { ...e, run: async (st: UiState) => revealViolationRegisters(data, st.position, await e.run(st)) } : e } : {}),
  };
}

function applyToken(data: PaneData, s: UiState, token: string, viewport: Viewport): Result {
  if (s.prompt) return promptKey(data, s, token);
  if (s.help) return { state: helpKey(s, token, viewport) };
  if (s.explain) return explainKey(data, s, s.explain, token, viewport);
  if (s.origin) return { state: guard(s, () => originKey(data, s, s.origin!, token, viewRows(viewport))) };
  const cmd = commandFor(token);
  return cmd ? execute(data, s, cmd) : { state: s };
}

/**
 * Arriving at a violation about D8-D15 shows them: its `!` would otherwise be on a hidden register. Only on
 * arrival, so `f` still hides them there.
 */
export function revealViolationRegisters(data: PaneData, from: number, s: UiState): UiState {
  if (s.showFp || s.position === from) return s;
  const d = data.violationSlotsAt(s.position).filter((slot) => D8_D15_SLOTS.includes(slot));
  if (d.length === 0) return s;
  const names = [...new Set(d)].map((slot) => `d${slot - 34}`).join(', ');
  // First on the line: the move's own message may be cut at the terminal's width.
  return { ...s, showFp: true, message: `(D8-D15 shown for ${names}: f hides them) ${s.message}`.trimEnd() };
}

/** The explanation of violation `index` as drawn at this size, and the rows it has (App.tsx draws the same). */
export function explainView(data: PaneData, index: number, viewport: Viewport): { lines: ReturnType<typeof violationDetailLines>; rows: number } {
  const vs = data.violations() ?? [];
  const v = vs[index]!;
  return { lines: violationDetailLines(v, index, vs.length, data.violationPlaces(v), Math.max(80, viewport.width)), rows: Math.max(1, Math.max(24, viewport.height) - 2) };
}

/** Rows of the views drawn in place of the panes (the status lines keep theirs). */
function viewRows(viewport: Viewport): number {
  return Math.max(24, viewport.height) - 2;
}

/** A key whose replayer call may throw (a bad address, an unreadable structure): the reason becomes the message. */
function guard(s: UiState, f: () => UiState): UiState {
  try {
    return f();
  } catch (e) {
    return { ...s, message: errorText(e) };
  }
}

/** Keys while the key list is shown: close it, or scroll it where it does not fit. */
function helpKey(s: UiState, token: string, viewport: Viewport): UiState {
  if (token === '?' || token === 'escape' || token === 'q') return { ...s, help: false, helpScroll: 0 };
  const step = token === 'up' || token === 'k' ? -1 : token === 'down' || token === 'j' ? 1 : token === 'pageup' ? -10 : token === 'pagedown' || token === ' ' ? 10 : 0;
  const max = helpMaxScroll(Math.max(80, viewport.width), Math.max(24, viewport.height));
  return { ...s, helpScroll: Math.max(0, Math.min(max, s.helpScroll + step)) };
}

/** Keys while a violation is explained: go to it or a place it names (closing the view), scroll, close. */
function explainKey(data: PaneData, s: UiState, ex: NonNullable<UiState['explain']>, token: string, viewport: Viewport): Result {
  const closed = { ...s, explain: undefined };
  if (token === 'escape' || token === 'i' || token === 'q') return { state: { ...closed, message: '' } };
  const v = data.violations()?.[ex.index];
  if (!v) return { state: closed };
  if (token === 'enter') return { state: moveTo(closed, v.position, violationLabel(ex.index, v)) };
  if (/^[1-9]$/.test(token)) {
    const place = data.violationPlaces(v)[Number(token) - 1];
    if (!place) return { state: { ...s, message: `violation #${ex.index} names no place ${token}` } };
    return { state: moveTo(closed, place.position, `${place.role} (violation #${ex.index} ${v.rule}): ${place.symbol}`) };
  }
  const step = token === 'up' || token === 'k' ? -1 : token === 'down' || token === 'j' ? 1 : token === 'pageup' ? -10 : token === 'pagedown' ? 10 : 0;
  if (step === 0) return { state: s };
  const { lines, rows } = explainView(data, ex.index, viewport);
  const scroll = Math.max(0, Math.min(lines.length - rows, ex.scroll + step));
  return { state: { ...s, explain: { ...ex, scroll } } };
}

function violationLabel(i: number, v: Violation): string {
  return `violation ${i}: ${v.rule} at ${v.symbol}: ${v.subject} ${v.before} -> ${v.after}`;
}

function promptKey(data: PaneData, s: UiState, token: string): Result {
  const p = s.prompt!;
  if (token === 'escape') {
    const kept = p.kind === 'watch' && s.watch ? `still watching ${s.watch.label} (w then Enter on an empty line removes it)` : '';
    return { state: { ...s, prompt: undefined, message: kept } };
  }
  if (token === 'backspace') return { state: { ...s, prompt: { ...p, text: p.text.slice(0, -1) } } };
  if (token === 'enter') return submit(data, { ...s, prompt: undefined }, p.kind, p.text.trim() || (p.fallback ?? ''));
  if (token.length === 1) return { state: { ...s, prompt: { ...p, text: p.text + token } } };
  return { state: s };
}

/**
 * What Enter on an empty prompt stands for: for `o`, the register selected in the focused registers pane (x0
 * otherwise; pc has no writer to follow); for `x`, the structure already shown, else the running thread's TEB.
 */
function promptFallback(data: PaneData, s: UiState, kind: PromptKind): { fallback?: string } {
  if (kind === 'origin') return { fallback: s.focus === 'registers' && s.selectedSlot !== 32 ? slotName(s.selectedSlot) : 'x0' };
  if (kind === 'struct') return { fallback: s.struct?.spec ?? DEFAULT_STRUCT };
  return {};
}

function errorText(e: unknown): string {
  return (e as Error).message.replace(/^--at /, '');
}

function submit(data: PaneData, s: UiState, kind: PromptKind, text: string): Result {
  if (text === '' && kind !== 'watch') return { state: s };
  const replay = data.replay;
  const trace = replay.trace;
  try {
    switch (kind) {
      case 'goto': {
        // violation:K needs the check: run it first, as an effect the App shows.
        const needsCheck = /^violation:/i.test(text) && !replay.violations;
        const run = async (st: UiState) => {
          try {
            const place = await locate(replay, text);
            return moveTo(st, place.position, place.label);
          } catch (e) {
            return { ...st, message: errorText(e) };
          }
        };
        return { state: s, effect: { kind: 'async', label: needsCheck ? 'checking the ABI rules...' : `going to ${text}...`, run } };
      }
      case 'breakpoint': {
        if (parseFileLine(text)) return { state: toggleLineBreakpoint(s, resolveFileLine(trace.sourceLines, text)) };
        const a = resolveAddress(replay, text);
        if (a === undefined) return { state: { ...s, message: noSymbol(data, text) } };
        return { state: toggleBreakpoint(s, a, trace.symbols.format(a)) };
      }
      case 'watch': {
        if (text === '') return { state: { ...s, watch: undefined, walk: undefined, message: s.watch ? `removed the watch on ${s.watch.label}` : 'no watch set' } };
        const w = evaluateRange(replay, s.position, text);
        return { state: { ...s, watch: w, walk: undefined, message: `watching ${w.label}: [ last write, ] next write` } };
      }
      case 'search': {
        const a = resolveAddress(replay, text);
        if (a === undefined) return { state: { ...s, message: noSymbol(data, text) } };
        const name = trace.symbols.format(a);
        const next = findExecution(trace, s.position, 1, a);
        if (next !== undefined) return { state: moveTo(s, next, `next execution of ${name}`) };
        const prev = findExecution(trace, s.position, -1, a);
        if (prev !== undefined) return { state: moveTo(s, prev, `${name} does not run after here: its last execution before`) };
        return { state: { ...s, message: `${name} never executes in this trace` } };
      }
      case 'memory': {
        const a = evaluateAddress(replay, s.position, text);
        return { state: { ...focusPane(s, 'memory'), memoryAt: { address: a, label: text }, message: `memory at ${text} = ${hex(a)}` } };
      }
      case 'origin': return { state: openOrigin(data, s, text) };
      case 'struct': {
        const { def, address } = parseStructSpec(replay, s.position, text, (q, a) => evaluateAddress(replay, q, a));
        const st = focusPane(s, 'struct');
        return { state: { ...st, struct: { spec: text, name: def.name, address }, cursors: { ...st.cursors, struct: 0 }, message: `${def.name} at ${hex(address)} (${text}): Enter goes to the selected field's last writer` } };
      }
    }
  } catch (e) {
    return { state: { ...s, message: errorText(e) } };
  }
}

function noSymbol(data: PaneData, text: string): string {
  const near = data.replay.trace.symbols.search(text, 3);
  return `no symbol '${text}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`;
}

/** A line stops where each of its pc runs begins (as a source debugger stops once per entry to the line). */
function toggleLineBreakpoint(s: UiState, at: LinePcs): UiState {
  const label = formatLine(at, 2);
  const starts = at.runs.map((r) => r.start);
  const bps = new Map(s.breakpoints);
  const had = starts.some((a) => bps.get(a) === label);
  for (const a of starts) {
    if (had) bps.delete(a);
    else bps.set(a, label);
  }
  return { ...s, breakpoints: bps, message: `${had ? 'removed' : 'set'} breakpoint at ${label} (${starts.length} place${starts.length === 1 ? '' : 's'}; ${bps.size} set)` };
}

function toggleBreakpoint(s: UiState, address: number, label: string): UiState {
  const bps = new Map(s.breakpoints);
  const had = bps.delete(address);
  if (!had) bps.set(address, label);
  return { ...s, breakpoints: bps, message: `${had ? 'removed' : 'set'} breakpoint at ${label} (${bps.size} set)` };
}

/** Where a continue stops: breakpoints, the watched range, exceptions, and violations once checked. */
export function continueConditions(data: PaneData, s: UiState): RunConditions {
  const vs = data.violations();
  return {
    breakpoints: new Set(s.breakpoints.keys()),
    ...(s.watch ? { watches: [{ address: s.watch.address, size: s.watch.size }] } : {}),
    eventKinds: new Set(['exception-raised']),
    ...(vs && vs.length ? { stops: [...new Set(vs.map((v) => v.position))].sort((a, b) => a - b) } : {}),
  };
}

export function describeStop(data: PaneData, s: UiState, stop: RunStop, dir: Direction): string {
  const sym = data.replay.trace.symbols;
  switch (stop.reason) {
    case 'breakpoint': {
      const pc = data.replay.trace.stepAt(stop.position).pc;
      return `breakpoint at ${sym.format(pc)}${lineSuffix(data.replay.trace.sourceLines, pc)}`;
    }
    case 'watch': return stop.write ? `write to ${watchLabel(s)}: ${describeWrite(data.replay.trace, stop.write, s.watch)}` : `write to ${stop.detail ?? 'the watched range'}`;
    case 'event': return `stopped at ${stop.detail ?? 'an event'}`;
    case 'stop': return 'stopped at an ABI violation';
    default: return dir > 0 ? 'end of the trace' : 'start of the trace';
  }
}

function watchLabel(s: UiState): string {
  return s.watch?.label ?? 'the watched range';
}

function walkMove(s: UiState, key: string, dir: Direction, move: (anchor: number | undefined) => { position: number; anchor: number } | undefined, found: string, none: string): UiState {
  const anchor = s.walk && s.walk.key === key && s.walk.position === s.position ? s.walk.anchor : undefined;
  const m = move(anchor);
  if (!m) return { ...s, message: none };
  return moveTo(s, m.position, found, { key, position: m.position, anchor: m.anchor });
}

export function listLength(data: PaneData, s: UiState, pane: ListPane): number {
  switch (pane) {
    case 'calls': return data.calls(s.position).length;
    case 'events': return data.events().length;
    case 'episodes': return data.episodes().length;
    case 'violations': return data.violations()?.length ?? 0;
    case 'struct': return s.struct ? data.struct(s.position, s.struct.name, s.struct.address).fields.length : 0;
  }
}

/** The selected row of a list: the user's, or the one the position is at. */
export function listCursor(data: PaneData, s: UiState, pane: ListPane): number {
  const c = s.cursors[pane];
  if (c !== undefined) return c;
  const p = s.position;
  switch (pane) {
    case 'calls': return 0;
    case 'events': return Math.max(0, indexAtOrBefore(data.events(), p, (e) => e.position));
    case 'episodes': {
      const list = data.episodes();
      const at = episodeAt(list, p);
      return at ? list.indexOf(at) : Math.max(0, indexAtOrBefore(list, p, (e) => e.start));
    }
    case 'violations': return Math.max(0, indexAtOrBefore(data.violations() ?? [], p, (v) => v.position));
    case 'struct': return 0;
  }
}

function listTarget(data: PaneData, s: UiState, pane: ListPane, i: number): { position: number; label: string } | undefined {
  switch (pane) {
    case 'calls': {
      const f = data.calls(s.position)[i];
      return f?.callPosition !== undefined ? { position: f.callPosition, label: `frame #${i}: ${f.symbol}` } : undefined;
    }
    case 'events': {
      const e = data.events()[i];
      return e && { position: Math.max(0, e.position), label: `event ${i}: ${describeEvent(e.event, data.replay.trace.symbols)}` };
    }
    case 'episodes': {
      const e = data.episodes()[i];
      return e && { position: e.start, label: `episode ${i}: ${e.name}` };
    }
    case 'violations': {
      const v = data.violations()?.[i];
      return v && { position: v.position, label: `violation ${i}: ${v.rule} at ${v.symbol}` };
    }
    case 'struct': {
      const f = s.struct && data.struct(s.position, s.struct.name, s.struct.address).fields[i];
      const to = f && fieldWriterPosition(f);
      return f && to !== undefined ? { position: to, label: `${s.struct!.name}.${fieldWriterText(f)}` } : undefined;
    }
  }
}

function isList(p: string): p is ListPane {
  return (LIST_PANES as readonly string[]).includes(p);
}

const CHECK_LABEL = 'checking the ABI rules...';

/** Commands that need the ABI check run it first (once), then run again. */
function afterCheck(data: PaneData, cmd: Command): Effect {
  return {
    kind: 'async', label: CHECK_LABEL, run: async (st) => {
      await data.replay.check();
      return execute(data, st, cmd).state;
    },
  };
}

export function execute(data: PaneData, s: UiState, cmd: Command): Result {
  const replay = data.replay;
  const trace = replay.trace;
  const p = s.position;
  const prompt = PROMPTS[cmd];
  if (prompt) return { state: { ...s, prompt: { kind: prompt, text: '', ...promptFallback(data, s, prompt) } } };
  switch (cmd) {
    case 'step':
    case 'step-back':
    case 'next':
    case 'next-back': {
      if (s.follow && (cmd === 'step' || cmd === 'step-back')) return followStep(data, s, s.follow, cmd === 'step' ? 1 : -1);
      const m = threadMove(trace, replay.code, p, cmd === 'step' || cmd === 'next' ? 1 : -1, cmd === 'next' || cmd === 'next-back');
      return { state: m.note === undefined ? moveTo(s, m.position, '') : { ...s, message: m.note } };
    }
    case 'continue':
      return { state: { ...s, message: '', running: { dir: 1, reached: p } }, effect: { kind: 'continue', dir: 1 } };
    case 'reverse-continue':
      return { state: { ...s, message: '', running: { dir: -1, reached: p } }, effect: { kind: 'continue', dir: -1 } };
    case 'event-next':
    case 'event-prev': {
      const e = adjacentEvent(trace, p, cmd === 'event-next' ? 1 : -1);
      if (!e) return { state: { ...s, message: `no ${cmd === 'event-next' ? 'later' : 'earlier'} event` } };
      return { state: moveTo(s, Math.max(0, e.position), `event ${e.index}: ${describeEvent(e.event, trace.symbols)}`) };
    }
    case 'episode-next':
    case 'episode-prev': {
      const e = adjacentEpisode(data.episodes(), p, cmd === 'episode-next' ? 1 : -1);
      if (!e) return { state: { ...s, message: `no ${cmd === 'episode-next' ? 'later' : 'earlier'} episode` } };
      return { state: moveTo(s, e.start, `episode ${e.index}: ${e.name}`) };
    }
    case 'violation-next':
    case 'violation-prev': {
      const vs = data.violations();
      if (!vs) return { state: { ...s, message: CHECK_LABEL }, effect: afterCheck(data, cmd) };
      const i = adjacentViolation(vs, p, cmd === 'violation-next' ? 1 : -1);
      if (i === undefined) return { state: { ...s, message: vs.length === 0 ? 'no ABI violations in this trace' : `no ${cmd === 'violation-next' ? 'later' : 'earlier'} violation` } };
      return { state: moveTo(s, vs[i]!.position, violationLabel(i, vs[i]!)) };
    }
    case 'explain': {
      const vs = data.violations();
      if (!vs) return { state: { ...s, message: CHECK_LABEL }, effect: afterCheck(data, cmd) };
      if (vs.length === 0) return { state: { ...s, message: 'no ABI violations in this trace' } };
      return { state: { ...s, explain: { index: listCursor(data, s, 'violations'), scroll: 0 }, message: 'Enter: go to the violation  1-9: go to a place it names  i/Esc: close' } };
    }
    case 'breakpoint-pc': {
      const pc = data.registers(p, GENERAL_SLOTS).pc;
      return { state: toggleBreakpoint(s, pc, trace.symbols.format(pc)) };
    }
    case 'write-prev':
    case 'write-next': {
      const w = s.watch;
      if (!w) return { state: { ...s, message: 'no watched address: press w first' } };
      const dir: Direction = cmd === 'write-next' ? 1 : -1;
      let found = '';
      const st = walkMove(s, `w:${w.address}:${w.size}`, dir, (anchor) => {
        const m = writeMove(replay.memory, p, anchor, w.address, w.size, dir);
        if (m) found = `${dir > 0 ? 'next' : 'last'} write to ${w.label}: ${describeWrite(trace, m.found, w)}`;
        return m;
      }, '', `no ${dir > 0 ? 'later' : 'earlier'} write to ${w.label}`);
      return { state: found ? { ...st, message: found } : st };
    }
    case 'reg-prev':
    case 'reg-next': {
      const dir: Direction = cmd === 'reg-next' ? 1 : -1;
      const tid = threadAt(trace, p);
      const slot = s.selectedSlot;
      const name = data.registers(p, visibleSlots(s)).rows.find((r) => r.slot === slot)?.name ?? `slot ${slot}`;
      return {
        state: walkMove(s, `r:${tid}:${slot}`, dir, (anchor) => registerChangeMove(trace, p, anchor, tid, slot, dir),
          `${dir > 0 ? 'next' : 'previous'} change of ${name}`, `no ${dir > 0 ? 'later' : 'earlier'} change of ${name} on thread ${tidName(tid)}`),
      };
    }
    case 'thread-next':
    case 'thread-prev': {
      const tids = trace.threads().map((t) => t.tid);
      const cur = threadAt(trace, p);
      const at = tids.indexOf(cur);
      const step = cmd === 'thread-next' ? 1 : -1;
      const left = new Map(s.threadTrail?.at === p ? s.threadTrail.left : []).set(cur, p);
      for (let k = 1; k < tids.length; k++) {
        const tid = tids[(at + step * k + tids.length * k) % tids.length]!;
        const q = threadSwitch(trace, p, tid, left);
        if (q !== undefined) return { state: { ...moveTo(s, q, `thread ${tidName(tid)}`), threadTrail: { at: q, left } } };
      }
      return { state: { ...s, message: 'no other thread runs in this trace' } };
    }
    case 'follow-goroutine': {
      if (s.follow) return { state: { ...s, follow: undefined, message: `no longer following goroutine ${s.follow.goid}` } };
      const g = goroutineAt(replay, p);
      if (!g || g.kind !== 'user') return { state: { ...s, message: g ? 'on a g0 here: no goroutine to follow' : 'no goroutine here to follow' } };
      return { state: { ...s, follow: targetAt(replay, p, g.goid, g.g), message: `following goroutine ${g.goid}: s/S and c/C stay on it across threads` } };
    }
    case 'fp': {
      const showFp = !s.showFp;
      const slots = showFp ? [...GENERAL_SLOTS, ...D8_D15_SLOTS] : GENERAL_SLOTS;
      return { state: { ...s, showFp, selectedSlot: slots.includes(s.selectedSlot) ? s.selectedSlot : 0 } };
    }
    case 'focus-next': return { state: cycleFocus(s, 1) };
    case 'focus-prev': return { state: cycleFocus(s, -1) };
    case 'pane-disasm': return { state: focusPane(s, 'disasm') };
    case 'pane-registers': return { state: focusPane(s, 'registers') };
    case 'pane-stack': return { state: focusPane(s, 'stack') };
    case 'pane-memory': return { state: focusPane(s, 'memory') };
    case 'pane-calls': return { state: focusPane(s, 'calls') };
    case 'pane-events': return { state: focusPane(s, 'events') };
    case 'pane-episodes': return { state: focusPane(s, 'episodes') };
    case 'pane-source': return { state: focusPane(s, 'source') };
    case 'pane-struct': return s.struct ? { state: focusPane(s, 'struct') } : execute(data, s, 'struct');
    case 'pane-violations': {
      const st = focusPane(s, 'violations');
      return data.violations() ? { state: st } : { state: { ...st, message: CHECK_LABEL }, effect: afterCheck(data, 'pane-violations') };
    }
    case 'up':
    case 'down':
    case 'page-up':
    case 'page-down':
      return { state: scroll(data, s, cmd === 'up' || cmd === 'page-up' ? -1 : 1, cmd.startsWith('page') ? 10 : 1) };
    case 'enter': {
      if (!isList(s.focus)) return { state: s };
      const t = listTarget(data, s, s.focus, listCursor(data, s, s.focus));
      if (!t && s.focus === 'struct' && s.struct) return { state: { ...s, message: 'this field was not written during the trace: its value is the initial one' } };
      return { state: t ? moveTo(s, t.position, t.label) : s };
    }
    case 'help': return { state: { ...s, help: !s.help } };
    case 'cancel': return { state: { ...s, help: false, message: '' } };
    case 'quit': return { state: { ...s, quit: true } };
    default: return { state: s };
  }
}

/** A step of the followed goroutine, on whichever thread runs it next. */
function followStep(data: PaneData, s: UiState, follow: GoroutineTarget, dir: Direction): Result {
  const trace = data.replay.trace;
  const q = goroutineStep(data.replay, s.position, follow, dir);
  if (q === undefined) return { state: { ...s, message: `goroutine ${follow.goid} runs no ${dir > 0 ? 'more after' : 'earlier than'} this` } };
  const tid = trace.stepAt(q).tid;
  return { state: moveTo(s, q, tid === threadAt(trace, s.position) ? '' : `goroutine ${follow.goid} on thread ${tidName(tid)}`) };
}

function scroll(data: PaneData, s: UiState, dir: Direction, n: number): UiState {
  const f = s.focus;
  if (f === 'registers') {
    const slots = visibleSlots(s);
    const i = Math.max(0, slots.indexOf(s.selectedSlot));
    return { ...s, selectedSlot: slots[Math.max(0, Math.min(slots.length - 1, i + dir * n))]! };
  }
  if (f === 'memory') {
    const base = s.memoryAt ?? { address: Number(data.registers(s.position, GENERAL_SLOTS).rows.find((r) => r.slot === 31)?.value ?? 0), label: 'sp' };
    const address = Math.max(0, base.address + dir * n * 16);
    return { ...s, memoryAt: { address, label: hex(address) } };
  }
  if (isList(f)) {
    const len = listLength(data, s, f);
    if (len === 0) return s;
    const c = Math.max(0, Math.min(len - 1, listCursor(data, s, f) + dir * n));
    return { ...s, cursors: { ...s.cursors, [f]: c } };
  }
  return s;
}
