// Typed reads and writes of guest memory over an Engine, in the units Win32 structures use.

import { ExitCode, WintraceError } from '../../errors.ts';
import type { Engine } from '../engine/engine.ts';

/**
 * A read or write of guest memory the guest could not have made itself: the address is unmapped, uncommitted or
 * protected against that access. Thrown by every GuestMemory access, so that the API dispatcher can tell a bad
 * pointer argument (the guest's mistake, answered as Windows answers it) from a failure of wintrace itself.
 */
export class GuestAccessError extends WintraceError {
  constructor(readonly access: 'read' | 'write', readonly address: bigint, readonly size: number, cause: unknown) {
    super(`guest memory ${access} of ${size} bytes at 0x${address.toString(16)} failed: ${(cause as Error)?.message ?? String(cause)}`, ExitCode.engine);
  }
}

export class GuestMemory {
  constructor(readonly engine: Engine) {}

  bytes(address: bigint, size: number): Uint8Array {
    try {
      return this.engine.read(address, size);
    } catch (e) {
      throw new GuestAccessError('read', address, size, e);
    }
  }

  write(address: bigint, bytes: Uint8Array): void {
    try {
      this.engine.write(address, bytes);
    } catch (e) {
      throw new GuestAccessError('write', address, bytes.length, e);
    }
  }

  u8(address: bigint): number {
    return this.bytes(address, 1)[0]!;
  }

  u16(address: bigint): number {
    const b = this.bytes(address, 2);
    return b[0]! | (b[1]! << 8);
  }

  u32(address: bigint): number {
    return new DataView(this.bytes(address, 4).buffer).getUint32(0, true);
  }

  u64(address: bigint): bigint {
    return new DataView(this.bytes(address, 8).buffer).getBigUint64(0, true);
  }

  setU8(address: bigint, v: number): void {
    this.write(address, Uint8Array.of(v & 0xff));
  }

  setU16(address: bigint, v: number): void {
    this.write(address, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
  }

  setU32(address: bigint, v: number | bigint): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, Number(BigInt.asUintN(32, BigInt(v))), true);
    this.write(address, b);
  }

  setU64(address: bigint, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.write(address, b);
  }

  /**
   * A NUL-terminated 8-bit string (read in chunks, at most `max` bytes). NULL reads as '' (optional names); any
   * other address with no readable first byte is a bad pointer (GuestAccessError).
   */
  cString(address: bigint, max = 32768): string {
    if (address !== 0n) this.bytes(address, 1);
    const out: number[] = [];
    for (let off = 0; off < max; off += 64) {
      const chunk = this.safeRead(address + BigInt(off), Math.min(64, max - off));
      for (const c of chunk) {
        if (c === 0) return Buffer.from(out).toString('latin1');
        out.push(c);
      }
      if (chunk.length < 64) break;
    }
    return Buffer.from(out).toString('latin1');
  }

  /** A NUL-terminated UTF-16LE string; NULL and bad pointers as cString. */
  wString(address: bigint, maxChars = 32768): string {
    if (address !== 0n) this.bytes(address, 1);
    const units: number[] = [];
    for (let off = 0; off < maxChars * 2; off += 128) {
      const chunk = this.safeRead(address + BigInt(off), Math.min(128, maxChars * 2 - off));
      for (let i = 0; i + 1 < chunk.length; i += 2) {
        const u = chunk[i]! | (chunk[i + 1]! << 8);
        if (u === 0) return String.fromCharCode(...units);
        units.push(u);
      }
      if (chunk.length < 128) break;
    }
    return String.fromCharCode(...units);
  }

  /** Reads up to `size` bytes, stopping early at the first unmapped byte (strings may end near a page end). */
  private safeRead(address: bigint, size: number): Uint8Array {
    try {
      return this.engine.read(address, size);
    } catch {
      for (let n = size - 1; n > 0; n--) {
        try {
          return this.engine.read(address, n);
        } catch {
          /* shorter */
        }
      }
      return new Uint8Array(0);
    }
  }

  static utf16z(s: string): Uint8Array {
    const b = new Uint8Array((s.length + 1) * 2);
    for (let i = 0; i < s.length; i++) {
      b[i * 2] = s.charCodeAt(i) & 0xff;
      b[i * 2 + 1] = s.charCodeAt(i) >>> 8;
    }
    return b;
  }

  static cz(s: string): Uint8Array {
    const b = new Uint8Array(s.length + 1);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
    return b;
  }
}
