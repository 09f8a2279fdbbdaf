// Decoder of the native step stream (format in native/trace.c and docs/trace-format.md).

import { TRACE_REGS } from './schema.ts';

export const REG_PC = 32;
const V0 = 34;

export interface RegChange {
  reg: number;
  /** Difference new - old, modulo 2^64 (and for V registers, of the low and high halves). */
  delta: bigint;
  deltaHigh: bigint;
}

export interface MemWrite {
  address: bigint;
  old: Uint8Array;
  data: Uint8Array;
}

export type StreamRecord =
  | { kind: 'step'; pc: bigint; regs: RegChange[]; writes: MemWrite[] }
  | { kind: 'os'; regs: RegChange[] }
  | { kind: 'os-write'; write: MemWrite }
  | { kind: 'switch'; tid: number; regs: RegChange[] };

export class StreamError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const MASK64 = (1n << 64n) - 1n;

/**
 * Walks records in order. `startPc` is the pc the keyframe gives the current thread: a step's pc is coded
 * relative to the previous pc + 4, and OS records may set the pc, which the caller feeds back through `setPc`.
 */
export class StreamDecoder {
  private pos = 0;
  private lastWrite = 0n;
  /** The new bytes of the segment's last step write at each address: the old bytes of a store that elides them. */
  private readonly lastData = new Map<bigint, Uint8Array>();
  private view: DataView;

  constructor(private readonly buf: Uint8Array, public pc: bigint) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  get offset(): number {
    return this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new StreamError(`record runs past the end of the segment data`, this.pos);
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private varint(): bigint {
    let shift = 0n;
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
    throw new StreamError('varint longer than 10 bytes', this.pos);
  }

  private svarint(): bigint {
    const z = this.varint();
    return (z >> 1n) ^ -(z & 1n);
  }

  private u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  private bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  private regChange(): RegChange {
    const reg = this.u8();
    if (reg >= TRACE_REGS) throw new StreamError(`register number ${reg} out of range`, this.pos - 1);
    const delta = BigInt.asUintN(64, this.svarint());
    const deltaHigh = reg >= V0 && reg < V0 + 32 ? BigInt.asUintN(64, this.svarint()) : 0n;
    return { reg, delta, deltaHigh };
  }

  next(): StreamRecord {
    const tag = this.u8();
    if (tag < 0x80) {
      const pcMode = tag & 3;
      let pc = (this.pc + 4n) & MASK64;
      if (pcMode === 1) pc = (pc + this.svarint()) & MASK64;
      else if (pcMode === 2) pc = this.u64();
      else if (pcMode === 3) throw new StreamError('invalid pc mode 3', this.pos - 1);
      let n = (tag >> 2) & 15;
      if (n === 15) n = Number(this.varint());
      const regs: RegChange[] = [];
      for (let i = 0; i < n; i++) regs.push(this.regChange());
      const writes: MemWrite[] = [];
      if (tag & 0x40) {
        const m = Number(this.varint());
        if (m > 64) throw new StreamError(`step with ${m} memory writes (at most 64)`, this.pos);
        for (let i = 0; i < m; i++) {
          const address = (this.lastWrite + this.svarint()) & MASK64;
          this.lastWrite = address;
          const sizeByte = this.u8();
          const size = sizeByte & 0x7f;
          if (size === 0 || size > 16) throw new StreamError(`memory write of ${size} bytes`, this.pos - 1);
          let old: Uint8Array;
          if (sizeByte & 0x80) {
            const prev = this.lastData.get(address);
            if (prev?.length !== size) {
              throw new StreamError(`store of ${size} bytes elides its old bytes, but the segment wrote no ${size} bytes at that address before`, this.pos - 1);
            }
            old = prev;
          } else {
            old = this.bytes(size);
          }
          const data = this.bytes(size);
          this.lastData.set(address, data);
          writes.push({ address, old, data });
        }
      }
      this.pc = pc;
      return { kind: 'step', pc, regs, writes };
    }
    if (tag === 0x80) {
      const n = Number(this.varint());
      if (n > TRACE_REGS) throw new StreamError(`OS record with ${n} register changes`, this.pos);
      const regs: RegChange[] = [];
      for (let i = 0; i < n; i++) {
        const c = this.regChange();
        if (c.reg === REG_PC) this.pc = (this.pc + c.delta) & MASK64;
        regs.push(c);
      }
      return { kind: 'os', regs };
    }
    if (tag === 0x82) {
      const tid = Number(this.varint());
      const n = Number(this.varint());
      if (n > TRACE_REGS) throw new StreamError(`switch record with ${n} register changes`, this.pos);
      const regs: RegChange[] = [];
      for (let i = 0; i < n; i++) regs.push(this.regChange());
      return { kind: 'switch', tid, regs };
    }
    if (tag === 0x81) {
      const address = this.u64();
      const size = Number(this.varint());
      if (size > 1 << 24) throw new StreamError(`OS write of ${size} bytes`, this.pos);
      return { kind: 'os-write', write: { address, old: this.bytes(size), data: this.bytes(size) } };
    }
    throw new StreamError(`unknown record tag 0x${tag.toString(16)}`, this.pos - 1);
  }
}

/** Applies a change to a register file in place (forward). */
export function applyForward(regs: bigint[], c: RegChange): void {
  const r = c.reg;
  if (r >= V0 && r < V0 + 32) {
    const lo = (regs[r]! & MASK64) + c.delta;
    const hi = (regs[r]! >> 64n) + c.deltaHigh;
    regs[r] = ((hi & MASK64) << 64n) | (lo & MASK64);
  } else {
    regs[r] = (regs[r]! + c.delta) & MASK64;
  }
}

/** Undoes a change (backward). */
export function applyBackward(regs: bigint[], c: RegChange): void {
  const r = c.reg;
  if (r >= V0 && r < V0 + 32) {
    const lo = (regs[r]! & MASK64) - c.delta;
    const hi = (regs[r]! >> 64n) - c.deltaHigh;
    regs[r] = ((hi & MASK64) << 64n) | (lo & MASK64);
  } else {
    regs[r] = (regs[r]! - c.delta) & MASK64;
  }
}
