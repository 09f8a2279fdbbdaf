// Ctrl-C and SIGTERM during `run` and `record` (native/interrupt.c says how and why the handler is in C): the
// first signal stops the engine before its next instruction and ends the run as "interrupted"; a second one
// leaves at once, keeping a recording's file under its own name.

import { COUNTER, loadNative } from './engine/native.ts';

interface InterruptLib {
  install(): number;
  uninstall(): void;
  watch(counter: unknown, word: number): void;
  count(): number;
  signal(): number;
  keep(from: string | null, to: string | null, drop: string | null): number;
}

let lib: InterruptLib | undefined;

function native(): InterruptLib {
  if (!lib) {
    const l = loadNative('interrupt');
    lib = {
      install: l.func('int wt_interrupt_install(void)'),
      uninstall: l.func('void wt_interrupt_uninstall(void)'),
      watch: l.func('void wt_interrupt_watch(void *counter, int word)'),
      count: l.func('int wt_interrupt_count(void)'),
      signal: l.func('int wt_interrupt_signal(void)'),
      keep: l.func('int wt_interrupt_keep(const char *from, const char *to, const char *drop)'),
    };
  }
  return lib;
}

export const interrupts = {
  /** Takes SIGINT and SIGTERM over until uninstall(); `counter` is the engine's (nativeHandles().counter). */
  install(counter: unknown): void {
    const n = native();
    if (n.install() !== 0) throw new Error('sigaction failed for SIGINT/SIGTERM');
    n.watch(counter, COUNTER.stopNow);
  },
  uninstall(): void {
    lib?.uninstall();
  },
  /** Whether a signal asked the run to stop. */
  requested(): boolean {
    return lib !== undefined && lib.count() > 0;
  },
  /** The exit status a shell gives a process the signal ended: 130 for Ctrl-C, 143 for SIGTERM. */
  exitStatus(): number {
    return 128 + (lib?.signal() || 2);
  },
  /**
   * What a second signal does with a recording's files: rename `temp` to `target` (undefined: remove `temp`, it
   * holds nothing readable yet) and remove `lock`.
   */
  keep(temp: string, target: string | undefined, lock: string): void {
    if (native().keep(temp, target ?? null, lock) !== 0) throw new Error(`path too long for the interrupt handler: ${temp}`);
  },
};
