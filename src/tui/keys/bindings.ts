// Every key of the TUI as data: the command it runs and what it does, in the order `?` lists them. The one key
// path (keys/tokens.ts → this table → dispatch.ts) is the only place a key turns into an action.

export type Command =
  | 'step' | 'step-back' | 'next' | 'next-back' | 'continue' | 'reverse-continue' | 'goto'
  | 'event-next' | 'event-prev' | 'episode-next' | 'episode-prev' | 'violation-next' | 'violation-prev' | 'explain'
  | 'breakpoint-pc' | 'breakpoint-symbol' | 'watch' | 'write-prev' | 'write-next' | 'reg-prev' | 'reg-next'
  | 'thread-next' | 'thread-prev' | 'follow-goroutine' | 'search' | 'memory' | 'origin' | 'struct' | 'fp'
  | 'focus-next' | 'focus-prev' | 'pane-disasm' | 'pane-registers' | 'pane-stack' | 'pane-memory' | 'pane-calls'
  | 'pane-events' | 'pane-episodes' | 'pane-violations' | 'pane-source' | 'pane-struct'
  | 'up' | 'down' | 'page-up' | 'page-down' | 'enter' | 'help' | 'cancel' | 'quit';

export interface Binding {
  readonly command: Command;
  /** Key tokens (keys/tokens.ts): a printable character, or `left`, `enter`, `tab`, `shift-tab`, `ctrl-c`... */
  readonly keys: readonly string[];
  readonly help: string;
}

export const BINDINGS: readonly Binding[] = [
  { command: 'step', keys: ['s', 'right'], help: 'step one instruction' },
  { command: 'step-back', keys: ['S', 'left'], help: 'step back one instruction' },
  { command: 'next', keys: ['n'], help: 'step over call/exception' },
  { command: 'next-back', keys: ['N'], help: 'step over back (to the fault)' },
  { command: 'continue', keys: ['c'], help: 'continue (bp/watch/exception)' },
  { command: 'reverse-continue', keys: ['C'], help: 'reverse-continue' },
  { command: 'goto', keys: ['g'], help: 'go to N|N%|SYMBOL|FILE:LINE|episode:K' },
  { command: 'event-next', keys: ['e'], help: 'next event' },
  { command: 'event-prev', keys: ['E'], help: 'previous event' },
  { command: 'episode-next', keys: ['p'], help: 'next episode' },
  { command: 'episode-prev', keys: ['P'], help: 'previous episode' },
  { command: 'violation-next', keys: ['v'], help: 'next ABI violation' },
  { command: 'violation-prev', keys: ['V'], help: 'previous ABI violation' },
  { command: 'explain', keys: ['i'], help: 'explain the violation in full' },
  { command: 'breakpoint-pc', keys: ['b'], help: 'toggle breakpoint at pc' },
  { command: 'breakpoint-symbol', keys: ['B'], help: 'toggle breakpoint at symbol/file:line' },
  { command: 'watch', keys: ['w'], help: 'watch an address (sp+0x10:8)' },
  { command: 'write-prev', keys: ['['], help: 'last write to watched address' },
  { command: 'write-next', keys: [']'], help: 'next write to watched address' },
  { command: 'reg-prev', keys: ['r'], help: 'prev change of selected reg' },
  { command: 'reg-next', keys: ['R'], help: 'next change of selected reg' },
  { command: 'thread-next', keys: ['t'], help: 'switch to the next thread' },
  { command: 'thread-prev', keys: ['T'], help: 'switch to the previous thread' },
  { command: 'follow-goroutine', keys: ['G'], help: 'follow this goroutine: s/S, c/C stay on it (G again: off)' },
  { command: 'search', keys: ['/'], help: 'search symbol: next execution' },
  { command: 'memory', keys: ['m'], help: 'memory at an address' },
  { command: 'origin', keys: ['o'], help: 'origin of a value: the writes that made it' },
  { command: 'struct', keys: ['x'], help: 'decode a structure: TEB, CONTEXT@x0...' },
  { command: 'fp', keys: ['f'], help: 'show/hide D8-D15' },
  { command: 'focus-next', keys: ['tab'], help: 'focus the next pane' },
  { command: 'focus-prev', keys: ['shift-tab'], help: 'focus the previous pane' },
  { command: 'pane-disasm', keys: ['1'], help: 'focus disassembly' },
  { command: 'pane-registers', keys: ['2'], help: 'focus registers' },
  { command: 'pane-stack', keys: ['3'], help: 'show stack' },
  { command: 'pane-memory', keys: ['4'], help: 'show memory' },
  { command: 'pane-calls', keys: ['5'], help: 'show call stack' },
  { command: 'pane-events', keys: ['6'], help: 'show events' },
  { command: 'pane-episodes', keys: ['7'], help: 'show episodes' },
  { command: 'pane-violations', keys: ['8'], help: 'show ABI violations' },
  { command: 'pane-source', keys: ['9'], help: 'show the Go/assembly source' },
  { command: 'pane-struct', keys: ['0'], help: 'show the structure (Enter: its writer)' },
  { command: 'page-up', keys: ['pageup'], help: 'page up' },
  { command: 'up', keys: ['up', 'k'], help: 'select up (registers, lists)' },
  { command: 'down', keys: ['down', 'j'], help: 'select down' },
  { command: 'page-down', keys: ['pagedown'], help: 'page down' },
  { command: 'enter', keys: ['enter'], help: 'go to the selected list row' },
  { command: 'help', keys: ['?'], help: 'show/hide this help' },
  { command: 'cancel', keys: ['escape'], help: 'close prompt/help, stop a run' },
  { command: 'quit', keys: ['q', 'ctrl-c'], help: 'quit' },
];

const BY_KEY = new Map<string, Command>(BINDINGS.flatMap((b) => b.keys.map((k) => [k, b.command] as const)));

export function commandFor(token: string): Command | undefined {
  return BY_KEY.get(token);
}

/** `s/right` for the help table. */
export function keyLabel(b: Binding): string {
  return b.keys.join('/');
}

/** Moves the position: a run of these while a key is held is applied in one go and drawn once. */
export const MOVES: ReadonlySet<Command> = new Set<Command>([
  'step', 'step-back', 'next', 'next-back', 'event-next', 'event-prev', 'episode-next', 'episode-prev',
  'violation-next', 'violation-prev', 'write-prev', 'write-next', 'reg-prev', 'reg-next', 'thread-next', 'thread-prev',
]);
