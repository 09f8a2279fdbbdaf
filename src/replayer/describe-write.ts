// What a write to memory changed and who made it, as the TUI's watch messages say it.

import { hex, tidName } from './describe.ts';
import type { WriteHit } from './memory.ts';
import type { Trace } from './trace.ts';

/** Bytes of a write as a debugger shows a value: little-endian up to 8 bytes, else the first 16 bytes in order. */
export function bytesValue(bytes: Uint8Array): string {
  if (bytes.length <= 8) {
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
    return hex(v);
  }
  const shown = [...bytes.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > 16 ? `${shown} ...` : shown;
}

/**
 * "0x55 -> 0x66 at 0x20000 (8 bytes) by main.f+0x8 on thread 0x1000": what a write changed and who made it; a
 * write by the emulated Windows (an API's output, an exception frame) says so, as no instruction made it. The
 * address is left out when the write is exactly the range asked about.
 */
export function describeWrite(trace: Trace, w: WriteHit, range?: { readonly address: number; readonly size: number }): string {
  const by = w.step === undefined ? 'the emulated Windows' : trace.symbols.format(trace.stepAt(w.step).pc);
  const at = range && range.address === w.address && range.size === w.data.length ? '' : ` at ${hex(w.address)} (${w.data.length} bytes)`;
  return `${bytesValue(w.old)} -> ${bytesValue(w.data)}${at} by ${by} on thread ${tidName(w.tid)}`;
}
