// Addresses a user types into a debugger's prompts: `0xADDR`, `SYMBOL[+0xOFF]`, or a register with an offset
// (`sp+0x10`, `x0`, `fp-8`) read at a position, optionally followed by `:SIZE` for a watched range.

import { UsageError } from '../errors.ts';
import { slotOf } from './describe.ts';
import { resolveAddress } from './locate.ts';
import { slotBigint } from './regfile.ts';
import type { Replay } from './replay.ts';

export interface AddressRange {
  readonly address: number;
  readonly size: number;
  /** How the user wrote it, resolved: `sp+0x10 = 0x2001ffee0`. */
  readonly label: string;
}

const FORMS = '0xADDR, SYMBOL[+0xOFF] or REGISTER[+-OFF] (e.g. sp+0x10)';

/** The address `text` names at `position`; throws UsageError naming the accepted forms. */
export function evaluateAddress(replay: Replay, position: number, text: string): number {
  const t = text.trim();
  const reg = /^([a-z]+\d*)\s*(?:([+-])\s*(0x[0-9a-f]+|\d+))?$/i.exec(t);
  const slot = reg ? slotOf(reg[1]!) : undefined;
  if (reg && slot !== undefined && slot <= 32) {
    const value = Number(BigInt.asUintN(64, slotBigint(replay.trace.regWords(position).regs, slot)));
    const off = reg[3] === undefined ? 0 : Number(reg[3]) * (reg[2] === '-' ? -1 : 1);
    return value + off;
  }
  const a = resolveAddress(replay, t);
  if (a === undefined) throw new UsageError(`'${t}' is not an address: use ${FORMS}`);
  return a;
}

/** `ADDRESS[:SIZE]` (SIZE in bytes, default 8, at most 4096) at `position`. */
export function evaluateRange(replay: Replay, position: number, text: string): AddressRange {
  const m = /^(.*?)(?::\s*(0x[0-9a-f]+|\d+))?$/i.exec(text.trim())!;
  const size = m[2] === undefined ? 8 : Number(m[2]);
  if (!(size >= 1 && size <= 4096)) throw new UsageError(`'${text.trim()}': a size is 1 to 4096 bytes`);
  const address = evaluateAddress(replay, position, m[1]!);
  const expr = m[1]!.trim();
  const hexed = `0x${address.toString(16)}`;
  return { address, size, label: `${expr.toLowerCase() === hexed ? hexed : `${expr} = ${hexed}`}${size === 8 ? '' : `:${size}`}` };
}
