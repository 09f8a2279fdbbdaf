// Console control events (CTRL_C_EVENT, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT) as Windows delivers them, raised at an
// instruction count the user chose so that a recording of the same program with the same events is the same trace.
//
// What Microsoft documents (learn.microsoft.com/windows/console/handlerroutine, .../setconsolectrlhandler,
// .../console-control-handlers, .../ctrl-close-signal):
//   typedef BOOL (WINAPI *PHANDLER_ROUTINE)(DWORD dwCtrlType);
//   BOOL WINAPI SetConsoleCtrlHandler(PHANDLER_ROUTINE HandlerRoutine, BOOL Add);
// - each process keeps its own list of handlers; initially only the default handler, which calls ExitProcess;
// - on a signal "the system creates a new thread in the process" that calls the handlers "on a last-registered,
//   first-called basis until one of the handlers returns TRUE"; if none does, the default handler runs;
// - SetConsoleCtrlHandler(NULL, TRUE) makes the process ignore CTRL+C (not CTRL+BREAK), (NULL, FALSE) restores it;
// - CTRL_CLOSE_EVENT: whether a handler returns TRUE or FALSE, the process ends once the handlers are done.
// The exit code of a process the default handler ends is STATUS_CONTROL_C_EXIT.
//
// The control thread starts in kernelbase!CtrlRoutine (the routine Windows' console host starts the thread on),
// and each handler returns into it: its stub traps on the entry and after every handler, so the trace shows the
// thread entering CtrlRoutine, calling the handler, and coming back.

import { UsageError } from '../../errors.ts';
import { reg, ROLE } from '../../arch/arm64.ts';
import type { ApiCall, ApiOutcome } from './api.ts';
import type { Thread } from './thread.ts';
import type { WindowsProcess } from './process.ts';
import { BOOT_INTERRUPT_TIME_NS, NS_PER_INSTRUCTION } from './clock.ts';

export const CTRL_TYPES = { 'ctrl-c': 0, 'ctrl-break': 1, close: 2 } as const;
export type ConsoleEventKind = keyof typeof CTRL_TYPES;
const CTRL_C_EVENT = CTRL_TYPES['ctrl-c'];
const CTRL_CLOSE_EVENT = CTRL_TYPES.close;
export const STATUS_CONTROL_C_EXIT = 0xc000013a;

/**
 * One event to raise: which, and from when: an executed-instruction count, or a virtual time in ms since the
 * process started (the emulated clock, clock.ts: it jumps while every thread sleeps, so a program waiting on a
 * timer still gets its event at that time).
 */
export interface ConsoleEvent {
  kind: ConsoleEventKind;
  at: bigint;
  unit?: 'instructions' | 'ms';
}

const FORM = `expected KIND@N or KIND@Nms with KIND one of ${Object.keys(CTRL_TYPES).join(', ')}, N a whole number of ` +
  'instructions or, with ms, of virtual milliseconds since the process started (e.g. ctrl-c@5000000, ctrl-c@2500ms)';

/** `ctrl-c@5000000`, `ctrl-c@2500ms` → { kind, at, unit }; anything else is one usage line naming what is wrong. */
export function parseConsoleEvent(text: string): ConsoleEvent {
  const m = /^([a-z-]+)@(\d+)(ms)?$/.exec(text.trim());
  if (!m || !(m[1]! in CTRL_TYPES)) throw new UsageError(`--console-event ${JSON.stringify(text)}: ${FORM}`);
  return { kind: m[1] as ConsoleEventKind, at: BigInt(m[2]!), unit: m[3] ? 'ms' : 'instructions' };
}

export function parseConsoleEvents(texts: readonly string[]): ConsoleEvent[] {
  return texts.map(parseConsoleEvent);
}

/** The form given back to the command line (trace header, messages). */
export function formatConsoleEvent(e: ConsoleEvent): string {
  return `${e.kind}@${e.at}${e.unit === 'ms' ? 'ms' : ''}`;
}

interface Delivery {
  type: number;
  /** Index into the handler snapshot of the next handler to call; counts down (last registered first). */
  next: number;
  handlers: bigint[];
  /** Whether a handler has been called: the next entry into CtrlRoutine is its return, X0 its BOOL. */
  called: boolean;
}

export class ConsoleControl {
  /** Registered handler routines, in registration order. */
  readonly handlers: bigint[] = [];
  ignoreCtrlC = false;
  private readonly pending: ConsoleEvent[];
  private readonly deliveries = new Map<Thread, Delivery>();
  private ctrlRoutine = 0n;

  constructor(private readonly proc: WindowsProcess, events: readonly ConsoleEvent[]) {
    // Each event in the order it comes due; an instruction count and a virtual time compare on the clock's scale.
    this.pending = events.map((e) => ({ ...e })).sort((a, b) => (this.dueNs(a) < this.dueNs(b) ? -1 : this.dueNs(a) > this.dueNs(b) ? 1 : 0));
  }

  /** When an event comes due on the virtual clock (an instruction count as the time it would take with no sleep). */
  private dueNs(e: ConsoleEvent): bigint {
    return e.unit === 'ms' ? BOOT_INTERRUPT_TIME_NS + e.at * 1_000_000n : BOOT_INTERRUPT_TIME_NS + e.at * NS_PER_INSTRUCTION;
  }

  private due(e: ConsoleEvent): boolean {
    return e.unit === 'ms' ? this.dueNs(e) <= this.proc.clock.now() : e.at <= this.proc.engine.executed;
  }

  /**
   * The virtual time of the earliest event given in ms, for the scheduler: when every thread sleeps it jumps the
   * clock no further than that, so the event is raised at its time and not at the next timer's.
   */
  nextTimedNs(): bigint | undefined {
    let min: bigint | undefined;
    for (const e of this.pending) if (e.unit === 'ms' && (min === undefined || this.dueNs(e) < min)) min = this.dueNs(e);
    return min;
  }

  // BOOL WINAPI SetConsoleCtrlHandler(PHANDLER_ROUTINE HandlerRoutine, BOOL Add);
  set(handler: bigint, add: boolean): boolean {
    if (handler === 0n) {
      this.ignoreCtrlC = add;
      return true;
    }
    if (add) {
      this.handlers.push(handler);
      return true;
    }
    // Removing one registered twice removes the latest registration, the one that would be called first.
    const i = this.handlers.lastIndexOf(handler);
    if (i < 0) return false;
    this.handlers.splice(i, 1);
    return true;
  }

  /**
   * Called by the scheduler between slices: every event whose instruction count is reached gets its control
   * thread now (a CTRL+C the process ignores gets none, as on Windows).
   */
  deliverDue(): void {
    for (let i = 0; i < this.pending.length && this.proc.exitCode === undefined;) {
      if (!this.due(this.pending[i]!)) {
        i++;
        continue;
      }
      const e = this.pending.splice(i, 1)[0]!;
      const type = CTRL_TYPES[e.kind];
      if (type === CTRL_C_EVENT && this.ignoreCtrlC) continue;
      if (this.ctrlRoutine === 0n) this.ctrlRoutine = this.proc.procAddress(this.proc.loadLibrary('kernelbase.dll'), 'CtrlRoutine');
      const t = this.proc.createThread(this.ctrlRoutine, BigInt(type), 0n, undefined);
      this.deliveries.set(t, { type, next: this.handlers.length - 1, handlers: [...this.handlers], called: false });
    }
  }

  /**
   * Every thread waits with nothing to wake it, so the instruction count will not reach the next event: it is
   * raised now, as a Ctrl-C pressed while the program waits would be. Returns whether one was.
   */
  deliverNext(): boolean {
    const e = this.pending[0];
    if (!e) return false;
    e.at = this.proc.engine.executed;
    e.unit = 'instructions';
    this.deliverDue();
    return true;
  }

  /** Events not raised yet (the run ended first). */
  get undelivered(): readonly ConsoleEvent[] {
    return this.pending;
  }

  /**
   * kernelbase!CtrlRoutine, entered once when the thread starts and again each time a handler returns into it:
   * X0 is then the handler's BOOL.
   */
  ctrlRoutineStep(c: ApiCall): ApiOutcome {
    const d = this.deliveries.get(c.thread);
    if (!d) return 0n; // called by the program itself: nothing to deliver
    if (d.called && (c.args[0]! & 0xffffffffn) !== 0n) return this.done(c.thread, d);
    if (d.next < 0) return this.done(c.thread, d, true);
    const handler = d.handlers[d.next--]!;
    d.called = true;
    const e = this.proc.engine;
    e.writeReg(reg('x0'), BigInt(d.type));
    e.writeReg(ROLE.lr, this.ctrlRoutine);
    e.writeReg(ROLE.pc, handler);
    return { kind: 'jump' };
  }

  private done(t: Thread, d: Delivery, unhandled = false): ApiOutcome {
    this.deliveries.delete(t);
    // The default handler: ExitProcess(STATUS_CONTROL_C_EXIT). CTRL+CLOSE ends the process even when handled.
    if (unhandled || d.type === CTRL_CLOSE_EVENT) return { kind: 'exit-process', code: STATUS_CONTROL_C_EXIT };
    return { kind: 'exit-thread', code: 0 };
  }
}
