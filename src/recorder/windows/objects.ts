// Kernel objects behind handles. A waitable object says whether it is signaled and what a satisfied wait does
// to it (an auto-reset event resets); the scheduler does the waiting.

import type { DirEntry } from './sandbox.ts';
import type { Thread } from './thread.ts';

export abstract class KObject {
  abstract readonly kind: string;
  /** Whether a wait on this object would be satisfied now. */
  signaled(_now: bigint): boolean {
    return false;
  }
  /** Side effect of a satisfied wait (auto-reset events and timers reset). */
  acquire(): void {}
  describe(): string {
    return this.kind;
  }
}

export class EventObject extends KObject {
  readonly kind = 'Event';
  constructor(readonly manualReset: boolean, public state: boolean, readonly name = '') {
    super();
  }
  override signaled(): boolean {
    return this.state;
  }
  override acquire(): void {
    if (!this.manualReset) this.state = false;
  }
  override describe(): string {
    return `Event(${this.manualReset ? 'manual' : 'auto'}, ${this.state ? 'set' : 'unset'})`;
  }
}

export class ThreadObject extends KObject {
  readonly kind = 'Thread';
  constructor(readonly thread: Thread) {
    super();
  }
  override signaled(): boolean {
    return this.thread.state === 'exited';
  }
  override describe(): string {
    return `Thread(${this.thread.id})`;
  }
}

/** The current-process pseudo handle and the process object: signaled only when the process ends. */
export class ProcessObject extends KObject {
  readonly kind = 'Process';
}

export class WaitableTimer extends KObject {
  readonly kind = 'WaitableTimer';
  /** Virtual ns at which the timer fires; undefined while not set. */
  due: bigint | undefined;
  periodNs = 0n;
  private fired = false;
  constructor(readonly manualReset: boolean) {
    super();
  }
  set(due: bigint, periodNs: bigint): void {
    this.due = due;
    this.periodNs = periodNs;
    this.fired = false;
  }
  cancel(): void {
    this.due = undefined;
  }
  override signaled(now: bigint): boolean {
    return this.fired || (this.due !== undefined && now >= this.due);
  }
  override acquire(): void {
    if (this.periodNs > 0n && this.due !== undefined) {
      this.due += this.periodNs;
      return;
    }
    this.fired = this.manualReset;
    if (!this.manualReset) this.due = undefined;
  }
  override describe(): string {
    return `WaitableTimer(due ${this.due ?? 'never'})`;
  }
}

export interface CompletionPacket {
  bytes: number;
  key: bigint;
  overlapped: bigint;
}

export class IoCompletionPort extends KObject {
  readonly kind = 'IoCompletionPort';
  readonly queue: CompletionPacket[] = [];
  override signaled(): boolean {
    return this.queue.length > 0;
  }
  override describe(): string {
    return `IoCompletionPort(${this.queue.length} queued)`;
  }
}

export type FileRole = 'stdin' | 'stdout' | 'stderr' | 'null' | 'disk';

/** A file object: a console stream, NUL, or (MountedFile) a file under a --mount. */
export class FileObject extends KObject {
  readonly kind = 'File';
  constructor(readonly role: FileRole, readonly path: string) {
    super();
  }
  override describe(): string {
    return `File(${this.path})`;
  }
}

/** A read-only file from a --mount: its contents as they were when the guest opened it, and a file pointer. */
export class MountedFile extends FileObject {
  position = 0;
  constructor(path: string, readonly data: Uint8Array, readonly isDirectory: boolean) {
    super('disk', path);
  }
}

/** A FindFirstFileW search over a mounted directory's entries. */
export class FileSearch extends KObject {
  readonly kind = 'FileSearch';
  next = 0;
  constructor(readonly entries: readonly DirEntry[]) {
    super();
  }
}

/** A loaded (emulated) module; its handle is its base address, as HMODULE is on Windows. */
export class ModuleObject extends KObject {
  readonly kind = 'Module';
  constructor(readonly name: string, readonly base: bigint) {
    super();
  }
}
