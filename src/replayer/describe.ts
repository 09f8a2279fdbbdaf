// One-line descriptions of events and episodes, and the register names the UI shows; shared by the CLI verbs,
// the TUI and the text dumps so that every view says the same thing the same way.

import type { TraceEvent } from '../trace/schema.ts';
import { decodeSentinel } from '../trace/sentinels.ts';
import type { Symbols } from './symbols.ts';

export function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}

export function ntstatus(code: number): string {
  return `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/**
 * An exit status as a Windows user reads it: a program's own small code in decimal, an NTSTATUS in hex
 * (0xC0000409, not 3221226505), since that is how Windows documents and prints them.
 */
export function exitStatus(code: number): string {
  const u = code >>> 0;
  return u > 0xffff ? ntstatus(u) : String(u);
}

export function tidName(tid: number): string {
  return `0x${tid.toString(16)}`;
}

/** Trace slot to the name a debugger shows: x0..x28, fp, lr, sp, pc, nzcv, v0..v31, fpcr, fpsr. */
export function slotName(slot: number): string {
  if (slot === 29) return 'fp';
  if (slot === 30) return 'lr';
  if (slot <= 28) return `x${slot}`;
  if (slot === 31) return 'sp';
  if (slot === 32) return 'pc';
  if (slot === 33) return 'nzcv';
  if (slot >= 34 && slot <= 65) return `v${slot - 34}`;
  return slot === 66 ? 'fpcr' : 'fpsr';
}

/** Slot of a register name (x0..x30, fp, lr, sp, pc, nzcv, v0..v31, d0..d31, fpcr, fpsr, teb). */
export function slotOf(name: string): number | undefined {
  const n = name.trim().toLowerCase();
  const alias: Record<string, number> = { fp: 29, lr: 30, sp: 31, pc: 32, nzcv: 33, fpcr: 66, fpsr: 67, teb: 18 };
  if (n in alias) return alias[n];
  const m = /^([xwvdqs])(\d+)$/.exec(n);
  if (!m) return undefined;
  const i = Number(m[2]);
  if ((m[1] === 'x' || m[1] === 'w') && i <= 30) return i;
  if ((m[1] === 'v' || m[1] === 'd' || m[1] === 'q' || m[1] === 's') && i <= 31) return 34 + i;
  return undefined;
}

/** ", entered with the sentinels of entry #N" for an entry event that carries them (src/trace/sentinels.ts). */
function entered(sentinels: ReadonlyArray<readonly [number, bigint]> | undefined): string {
  const s = sentinels?.[0] && decodeSentinel(sentinels[0][1]);
  return s ? `, entered with the sentinels of entry #${s.seq} in X19-X28 and D8-D15` : '';
}

/** "; did not give back x19 (now 0x0), d8 (now 0x0)" for a return event whose sentinels did not all come back. */
function notGivenBack(lost: ReadonlyArray<readonly [number, bigint]> | undefined): string {
  if (!lost?.length) return '';
  return `; did not give back ${lost.map(([slot, v]) => `${slot >= 34 ? `d${slot - 34}` : slotName(slot)} (now ${hex(v)})`).join(', ')}`;
}

function arg(v: bigint | string): string {
  return typeof v === 'string' ? JSON.stringify(v) : hex(v);
}

export function describeEvent(e: TraceEvent, symbols: Symbols): string {
  const sym = (a: bigint | number) => symbols.format(Number(a));
  switch (e.kind) {
    case 'api-call': return `${e.api}(${e.args.map(arg).join(', ')}) from ${sym(e.caller - 4n)}`;
    case 'api-return': return `${e.api} returned ${typeof e.value === 'string' ? e.value : hex(e.value)}${e.lastError ? `, LastError ${e.lastError}` : ''}`;
    case 'thread-created': return `thread ${tidName(e.newTid)} created${e.tid === e.newTid ? ' by Windows' : ''}: start ${sym(e.start)}, parameter ${hex(e.parameter)}, TEB ${hex(e.teb)}, stack [${hex(e.stackLimit)}, ${hex(e.stackBase)})`;
    case 'thread-started': return `thread ${tidName(e.tid)} starts at ${sym(e.pc)}${entered(e.sentinels)}`;
    case 'thread-switched': return `switch to thread ${tidName(e.tid)}${e.from !== undefined ? ` from ${tidName(e.from)}` : ''}`;
    case 'thread-exited': return `thread ${tidName(e.tid)} exited with ${exitStatus(e.exitCode)}${notGivenBack(e.sentinelsLost)}`;
    case 'exception-raised': return `exception ${ntstatus(e.code)} at ${sym(e.address)}${e.information.length ? ` [${e.information.map(hex).join(', ')}]` : ''}, CONTEXT at ${hex(e.context)}`;
    case 'handler-called': return `${e.phase} handler ${sym(e.handler)} called${entered(e.sentinels)}`;
    case 'handler-returned': {
      const meaning = e.result === -1 ? ' (EXCEPTION_CONTINUE_EXECUTION)' : e.result === 0 ? ' (EXCEPTION_CONTINUE_SEARCH)' : '';
      return `${e.phase} handler ${sym(e.handler)} returned ${e.result}${meaning}${notGivenBack(e.sentinelsLost)}`;
    }
    case 'context-resumed': return `context resumed at ${sym(e.pc)}, SP ${hex(e.sp)} (stack [${hex(e.stackLimit)}, ${hex(e.stackBase)}))`;
    case 'fail-fast': return `fail fast ${ntstatus(e.code)}: ${e.reason}`;
    case 'memory-mapped': return `mapped ${hex(e.base)}+${hex(e.size)} ${e.prot}`;
    case 'memory-unmapped': return `unmapped ${hex(e.base)}+${hex(e.size)}`;
    case 'process-exit': return `process exit ${exitStatus(e.exitCode)} (${e.reason})`;
  }
}

export const EVENT_KINDS: readonly TraceEvent['kind'][] = [
  'api-call', 'api-return', 'thread-created', 'thread-started', 'thread-switched', 'thread-exited', 'exception-raised',
  'handler-called', 'handler-returned', 'context-resumed', 'fail-fast', 'memory-mapped', 'memory-unmapped', 'process-exit',
];
