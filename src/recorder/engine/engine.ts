// The CPU engine as the recorder sees it. UnicornEngine implements it over libunicorn.so.2; FakeEngine implements
// it in plain TypeScript for unit tests of the layers above (loader, emulated Windows) without a real CPU.

import type { RegInfo } from '../../arch/arm64.ts';

export interface Prot {
  read: boolean;
  write: boolean;
  execute: boolean;
}

export const PROT_NONE: Prot = Object.freeze({ read: false, write: false, execute: false });
export const PROT_R: Prot = Object.freeze({ read: true, write: false, execute: false });
export const PROT_RW: Prot = Object.freeze({ read: true, write: true, execute: false });
export const PROT_RX: Prot = Object.freeze({ read: true, write: false, execute: true });
export const PROT_RWX: Prot = Object.freeze({ read: true, write: true, execute: true });

export function protToString(p: Prot): string {
  return `${p.read ? 'r' : '-'}${p.write ? 'w' : '-'}${p.execute ? 'x' : '-'}`;
}

export interface Region {
  begin: bigint;
  /** Exclusive end. */
  end: bigint;
  prot: Prot;
}

export type Access = 'read' | 'write' | 'fetch';

/** Why memory access failed: the page is not mapped, or mapped without the needed permission. */
export type FaultKind = 'unmapped' | 'protected';

export interface MemFault {
  access: Access;
  kind: FaultKind;
  address: bigint;
  size: number;
  /** For writes, the value being written (Unicorn passes it before the store happens). */
  value: bigint;
  /**
   * Inside a fault hook Unicorn 2.0.1 may report the start of the translated block rather than the faulting
   * instruction (measured); the EngineFault thrown by `start` carries the exact pc.
   */
  pc: bigint;
}

/** What stopped the CPU at a trap instruction. `imm` is the instruction's 16-bit immediate. */
export interface Interrupt {
  kind: 'brk' | 'svc' | 'udf' | 'hvc' | 'smc' | 'other';
  intno: number;
  imm: number;
  /** Address of the trapping instruction itself. */
  pc: bigint;
  word: number;
}

export interface MemAccess {
  access: Access;
  address: bigint;
  size: number;
  /** The value written (writes only; Unicorn reports it before memory changes). */
  value: bigint;
}

export type CodeHook = (address: bigint, size: number) => void;
export type MemHook = (access: MemAccess) => void;
/** Return true when the fault was handled (memory mapped/fixed) and the access should be retried. */
export type FaultHook = (fault: MemFault) => boolean;
export type InterruptHook = (intr: Interrupt) => void;

export interface HookRange {
  begin: bigint;
  /** Inclusive, as Unicorn defines it. */
  end: bigint;
}

export interface HookHandle {
  readonly id: number;
}

export interface StartOptions {
  /** Stop when pc reaches this address (not executed). */
  until?: bigint;
  /** Stop after this many instructions (0 = no limit). */
  count?: number;
}

/** How a `start` returned when it did not throw. */
export type StopReason =
  | { reason: 'until'; pc: bigint }
  | { reason: 'count'; pc: bigint }
  | { reason: 'stopped'; pc: bigint }
  /** A native hook (the tracer draining its buffer) stopped the run; nothing happened to the guest. */
  | { reason: 'paused'; pc: bigint };

/** An opaque saved CPU context (registers only, not memory). */
export interface EngineContext {
  readonly engine: Engine;
  free(): void;
}

export interface Engine {
  readonly name: string;
  close(): void;

  map(address: bigint, size: bigint | number, prot: Prot): void;
  unmap(address: bigint, size: bigint | number): void;
  protect(address: bigint, size: bigint | number, prot: Prot): void;
  regions(): Region[];

  /**
   * Maps pages backed by host memory and returns a live view of them: the host changes guest memory with plain
   * stores (no engine call), as Windows updates KUSER_SHARED_DATA. Freed when the engine closes.
   */
  mapHost(address: bigint, size: number, prot: Prot): Uint8Array;

  read(address: bigint, size: number): Uint8Array;
  /** Where [address, address+size) lies in host memory when the engine keeps it in one piece there (native/digest.c reads it). */
  hostAddress(address: bigint, size: number): bigint | undefined;
  write(address: bigint, bytes: Uint8Array): void;

  /** Reads several registers in one call; 128-bit V registers come back as one bigint (low | high << 64). */
  readRegs(regs: readonly RegInfo[]): bigint[];
  writeRegs(values: ReadonlyArray<readonly [RegInfo, bigint]>): void;
  readReg(r: RegInfo): bigint;
  writeReg(r: RegInfo, value: bigint): void;

  hookCode(cb: CodeHook, range?: HookRange): HookHandle;
  hookBlock(cb: CodeHook, range?: HookRange): HookHandle;
  hookMem(access: Access, cb: MemHook, range?: HookRange): HookHandle;
  hookFault(cb: FaultHook): HookHandle;
  hookInterrupt(cb: InterruptHook): HookHandle;
  removeHook(h: HookHandle): void;

  /**
   * Runs from `begin`. Returns why it stopped; throws EngineFault for an unhandled memory fault or invalid
   * instruction, and EngineError (Unicorn's message and the pc) for anything else.
   */
  start(begin: bigint, opts?: StartOptions): StopReason;
  /** Asks a running `start` to return at the next instruction boundary (callable from hooks). */
  stop(): void;
  /**
   * Instructions that began executing since the engine opened (a trapping or faulting instruction counts).
   * Exact: virtual time and scheduling quanta are derived from it.
   */
  readonly executed: bigint;

  saveContext(): EngineContext;
  restoreContext(ctx: EngineContext): void;
}

/** Decodes the trap instructions Unicorn reports through its interrupt hook (BRK/SVC/UDF and friends). */
export function classifyTrap(word: number, intno: number, pc: bigint): Interrupt {
  const imm = (word >>> 5) & 0xffff;
  let kind: Interrupt['kind'] = 'other';
  if ((word & 0xffe0001f) >>> 0 === 0xd4200000) kind = 'brk';
  else if ((word & 0xffe0001f) >>> 0 === 0xd4000001) kind = 'svc';
  else if ((word & 0xffe0001f) >>> 0 === 0xd4000002) kind = 'hvc';
  else if ((word & 0xffe0001f) >>> 0 === 0xd4000003) kind = 'smc';
  else if ((word & 0xffff0000) >>> 0 === 0) kind = 'udf';
  return { kind, intno, imm: kind === 'udf' ? word & 0xffff : imm, pc, word };
}
