// An emulated Windows thread: its TEB, its stack, and its CPU state while it is not on the CPU.

import type { EngineContext } from '../engine/engine.ts';
import type { KObject } from './objects.ts';

export type ThreadState = 'ready' | 'waiting' | 'exited';

/** What a thread blocked in a wait is waiting for, and how its API call completes. */
export interface Wait {
  /** API that blocked, for deadlock reports. */
  api: string;
  objects: KObject[];
  /** Wait for all objects (WaitForMultipleObjects bWaitAll) rather than any. */
  all: boolean;
  /** Virtual ns deadline; undefined = INFINITE. */
  deadline: bigint | undefined;
  /** Completes the call: index of the satisfying object, or 'timeout'. Returns the API's result (X0). */
  complete: (outcome: number | 'timeout') => bigint;
}

export interface StackInfo {
  /** Reservation base (TEB.DeallocationStack). */
  reservation: bigint;
  /** Lowest usable address (TEB.StackLimit). */
  limit: bigint;
  /** One past the highest address (TEB.StackBase). */
  base: bigint;
}

export class Thread {
  state: ThreadState = 'ready';
  context: EngineContext | undefined;
  wait: Wait | undefined;
  /** X0 to deliver when the thread next runs (result of a blocking API call). */
  pendingResult: bigint | undefined;
  suspendCount = 0;
  exitCode = 0;
  executed = 0n;
  /** The sentinels its start routine was entered with (entry-sentinels.ts), and those that did not come back. */
  entrySentinels: Array<[number, bigint]> | undefined;
  sentinelsLost: Array<[number, bigint]> | undefined;
  /** TlsSlots beyond 64 are not modelled: Go 1.19 needs an index below 64. */

  constructor(
    readonly id: number,
    readonly teb: bigint,
    readonly stack: StackInfo,
    readonly startAddress: bigint,
    readonly parameter: bigint,
  ) {}

  get runnable(): boolean {
    return this.state === 'ready' && this.suspendCount === 0;
  }
}
