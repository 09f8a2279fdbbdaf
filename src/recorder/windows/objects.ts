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
  /**
   * Whether a wait this object satisfies is only the passing of time (a timer, or a port holding nothing but
   * timer packets): such wakes do not count as activity for the idle-deadlock rule (deadlock.ts).
   */
  onlyTime(): boolean {
    return false;
  }
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
  /** Virtual ns of the next expiration; undefined while not set, cancelled, or a one-shot timer has expired. */
  due: bigint | undefined;
  periodNs = 0n;
  /** Signaled by an expiration that no satisfied wait has reset yet (a manual-reset timer: until set again). */
  private fired = false;
  constructor(readonly manualReset: boolean) {
    super();
  }
  set(due: bigint, periodNs: bigint): void {
    this.due = due;
    this.periodNs = periodNs;
    this.fired = false;
  }
  /** CancelWaitableTimer: no more expirations; one that already happened keeps the timer signaled. */
  cancel(now: bigint): void {
    this.expire(now);
    this.due = undefined;
  }
  /**
   * Applies the expirations up to `now`. The state is one bit, so however many periods passed unwaited the timer
   * is signaled once, and a periodic timer re-arms for its first expiration after `now`.
   */
  private expire(now: bigint): void {
    if (this.due === undefined || now < this.due) return;
    this.fired = true;
    this.due = this.periodNs > 0n ? this.due + ((now - this.due) / this.periodNs + 1n) * this.periodNs : undefined;
  }
  // Every acquire follows a signaled(now) that returned true (the waits and the port's collect ask first), so
  // the expirations up to the wait's time are applied before the wait resets the state.
  override signaled(now: bigint): boolean {
    this.expire(now);
    return this.fired;
  }
  override acquire(): void {
    if (!this.manualReset) this.fired = false;
  }
  override onlyTime(): boolean {
    return true;
  }
  override describe(): string {
    return `WaitableTimer(due ${this.due ?? 'never'})`;
  }
}

export interface CompletionPacket {
  bytes: number;
  key: bigint;
  overlapped: bigint;
  /** OVERLAPPED_ENTRY.Internal: the IoStatus a wait completion packet was associated with (else 0). */
  status?: number;
  /** The wait completion packet this entry came from, so NtCancelWaitCompletionPacket can take it back. */
  source?: WaitCompletionPacket;
  /** Posted because a timer came due (a wait completion packet on a timer), not by another thread. */
  timer?: boolean;
}

export class IoCompletionPort extends KObject {
  readonly kind = 'IoCompletionPort';
  readonly queue: CompletionPacket[] = [];
  /** Wait completion packets waiting for their target object to signal (NtAssociateWaitCompletionPacket). */
  readonly associations = new Set<WaitCompletionPacket>();
  override signaled(now: bigint): boolean {
    this.collect(now);
    return this.queue.length > 0;
  }
  /**
   * Queues the packet of every association whose target has signaled, acquiring the target as a satisfied wait
   * would (an auto-reset timer resets): the kernel does this when the object signals; here it happens whenever
   * the port is looked at, which is at every wait on it and every scheduling point.
   */
  collect(now: bigint): void {
    for (const p of this.associations) {
      const a = p.association!;
      if (!a.target.signaled(now)) continue;
      a.target.acquire();
      this.associations.delete(p);
      p.deliver(this, a);
    }
  }
  override onlyTime(): boolean {
    return this.queue.length > 0 && this.queue.every((e) => e.timer === true);
  }
  /** The earliest due time of a timer an association waits on: when the port can signal with no thread acting. */
  get due(): bigint | undefined {
    let d: bigint | undefined;
    for (const p of this.associations) {
      const t = (p.association!.target as { due?: bigint }).due;
      if (typeof t === 'bigint' && (d === undefined || t < d)) d = t;
    }
    return d;
  }
  override describe(): string {
    return `IoCompletionPort(${this.queue.length} queued${this.associations.size > 0 ? `, ${this.associations.size} waits` : ''})`;
  }
}

/**
 * An NT wait completion packet: associated with a waitable object and a completion port, it posts one entry to
 * the port when the object signals (Go 1.23+ wakes its netpoller with a high-resolution timer this way).
 */
export class WaitCompletionPacket extends KObject {
  readonly kind = 'WaitCompletionPacket';
  association: { port: IoCompletionPort; target: KObject; key: bigint; apc: bigint; status: number; information: bigint } | undefined;
  /** The port holding this packet's entry, until a GetQueuedCompletionStatusEx removes it. */
  queuedIn: IoCompletionPort | undefined;
  /** Posts the entry of association `a` (which ends: a packet fires once per association). */
  deliver(port: IoCompletionPort, a: NonNullable<WaitCompletionPacket['association']>): void {
    this.association = undefined;
    port.queue.push({
      bytes: Number(a.information & 0xffffffffn), key: a.key, overlapped: a.apc, status: a.status, source: this,
      timer: a.target.onlyTime(),
    });
    this.queuedIn = port;
  }
  override describe(): string {
    return `WaitCompletionPacket(${this.association ? `waiting on ${this.association.target.describe()}` : this.queuedIn ? 'queued' : 'idle'})`;
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
  /** For a directory read with GetFileInformationByHandleEx: its entries (listed at the restart) and the next one. */
  listing?: { entries: readonly DirEntry[]; next: number };
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

/** One module of a toolhelp snapshot, as MODULEENTRY32W describes it. */
export interface SnapshotModule {
  name: string;
  path: string;
  base: bigint;
  size: number;
}

/** A CreateToolhelp32Snapshot: the modules as they were when it was taken, and Module32NextW's position. */
export class ToolhelpSnapshot extends KObject {
  readonly kind = 'ToolhelpSnapshot';
  next = 0;
  constructor(readonly processId: number, readonly modules: readonly SnapshotModule[]) {
    super();
  }
}
