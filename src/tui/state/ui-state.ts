// What the TUI remembers besides the trace: the position, the focused pane, the list cursors, breakpoints, the
// watched range, an open prompt. Immutable: every key gives a new state (dispatch.ts).

import type { AddressRange } from '../../replayer/address-expr.ts';
import type { GoroutineTarget } from '../../replayer/goroutine-stepping.ts';

export type PaneId = 'disasm' | 'registers' | 'stack' | 'memory' | 'calls' | 'events' | 'episodes' | 'violations' | 'source' | 'struct';
/** Panes drawn in the side slot, next to the disassembly. */
export type SidePane = Exclude<PaneId, 'disasm' | 'registers'>;

export const PANES: readonly PaneId[] = ['disasm', 'registers', 'stack', 'memory', 'calls', 'events', 'episodes', 'violations', 'source', 'struct'];
export const LIST_PANES = ['calls', 'events', 'episodes', 'violations', 'struct'] as const;
export type ListPane = (typeof LIST_PANES)[number];

export type PromptKind = 'goto' | 'breakpoint' | 'watch' | 'search' | 'memory' | 'origin' | 'struct';

export const PROMPT_LABELS: Record<PromptKind, string> = {
  goto: 'go to (N, N%, SYMBOL, FILE:LINE, episode:K, violation:K)',
  breakpoint: 'breakpoint at (SYMBOL[+0xOFF], FILE:LINE or 0xADDR)',
  watch: 'watch (0xADDR, SYMBOL, sp+0x10)[:SIZE], empty to remove',
  search: 'search symbol (next execution)',
  memory: 'memory at (0xADDR, SYMBOL, x0+8)',
  origin: 'origin of (x0, sp, [sp+0x10,8])',
  struct: 'structure NAME@ADDR (CONTEXT@x0, EXCEPTION_RECORD@x0, TEB, ...)',
};

/** A Windows structure the struct pane decodes at every position: its address is fixed when it is asked for. */
export interface StructAt {
  readonly spec: string;
  readonly name: string;
  readonly address: number;
}

/** The origin tree shown in place of the panes (`o`): what was asked, where, which nodes are open, the cursor. */
export interface OriginState {
  readonly spec: string;
  readonly position: number;
  readonly expanded: ReadonlySet<string>;
  readonly cursor: number;
}

/** A walk through a register's changes or a range's writes: valid while the position is where it left us. */
export interface Walk {
  readonly key: string;
  readonly position: number;
  readonly anchor: number;
}

/** Where a run of thread switches left each thread (valid while the position is where the last switch went). */
export interface ThreadTrail {
  readonly at: number;
  readonly left: ReadonlyMap<number, number>;
}

export interface UiState {
  readonly position: number;
  readonly focus: PaneId;
  readonly side: SidePane;
  readonly showFp: boolean;
  /** Trace slot of the selected register (for `r`/`R`). */
  readonly selectedSlot: number;
  /** Breakpoint address -> how it was named. */
  readonly breakpoints: ReadonlyMap<number, string>;
  readonly watch: AddressRange | undefined;
  readonly walk: Walk | undefined;
  readonly threadTrail: ThreadTrail | undefined;
  readonly memoryAt: { readonly address: number; readonly label: string } | undefined;
  /** The goroutine `s`/`S` and `c`/`C` stay on (`G`), whichever thread runs it. */
  readonly follow: GoroutineTarget | undefined;
  /** Selected row per list; undefined follows the position. */
  readonly cursors: Readonly<Partial<Record<ListPane, number>>>;
  readonly help: boolean;
  /** Rows the key list is scrolled by where it does not fit the terminal. */
  readonly helpScroll: number;
  /** The ABI violation whose whole explanation is shown in place of the panes (`i`), and how far it is scrolled. */
  readonly explain: { readonly index: number; readonly scroll: number } | undefined;
  readonly origin: OriginState | undefined;
  readonly struct: StructAt | undefined;
  /** `fallback`: what Enter on an empty line stands for (the origin's register, the structure shown). */
  readonly prompt: { readonly kind: PromptKind; readonly text: string; readonly fallback?: string } | undefined;
  /** One line about the last action: where a move went, why it could not. */
  readonly message: string;
  /** A continue under way: the position its scan has reached. */
  readonly running: { readonly dir: 1 | -1; readonly reached: number } | undefined;
  readonly quit: boolean;
}

export function initialState(position: number, message = ''): UiState {
  return {
    position, focus: 'disasm', side: 'stack', showFp: false, selectedSlot: 0, breakpoints: new Map(), watch: undefined,
    walk: undefined, threadTrail: undefined, memoryAt: undefined, follow: undefined, cursors: {}, help: false, helpScroll: 0, explain: undefined,
    origin: undefined, struct: undefined, prompt: undefined, message, running: undefined, quit: false,
  };
}

/**
 * Moves to a position: list cursors go back to following it, but for the structure's field, which the user
 * keeps an eye on while stepping.
 */
export function moveTo(s: UiState, position: number, message: string, walk?: Walk): UiState {
  const field = s.cursors.struct;
  return { ...s, position, message, cursors: field === undefined ? {} : { struct: field }, walk, threadTrail: undefined };
}

export function focusPane(s: UiState, pane: PaneId): UiState {
  return pane === 'disasm' || pane === 'registers' ? { ...s, focus: pane } : { ...s, focus: pane, side: pane };
}

export function cycleFocus(s: UiState, dir: 1 | -1): UiState {
  const i = PANES.indexOf(s.focus);
  return focusPane(s, PANES[(i + dir + PANES.length) % PANES.length]!);
}
