// What the checker reports: one record per broken rule instance, with everything a user needs to go there.

import type { RuleId } from './rules.ts';

export interface Violation {
  readonly rule: RuleId;
  /** Where to look: the offending instruction is about to execute here (or the emulated Windows acts here). */
  readonly position: number;
  /** The offending step's index (position === step), when an instruction is to blame. */
  readonly step: number | undefined;
  readonly tid: number;
  readonly pc: number;
  readonly symbol: string;
  /** Disassembly of the instruction at pc (filled in by describeViolations). */
  instruction: string;
  /** Register or location concerned, e.g. `x18`, `sp`, `x19`, `CONTEXT.Sp @ 0x...`. */
  readonly subject: string;
  readonly before: string;
  readonly after: string;
  /** What happened, specific to this instance. */
  readonly detail: string;
  /** Why it breaks the Windows ABI (the rule's sentence). */
  readonly why: string;
  /** 'program' when a guest instruction is to blame, 'windows' when the emulated Windows is. */
  readonly by: 'program' | 'windows';
  /** Where the checker noticed, when it is not `position` (callee-saved: the return; resume: the resume). */
  readonly detectedAt?: number;
  /** Other instructions the explanation names: where the value was saved or given back, the return that lost it. */
  readonly related?: readonly RelatedPosition[];
  /** callee-saved: the boundary crossing the value did not survive (span kind and what it was). */
  readonly boundary?: { readonly kind: 'callback' | 'stdcall' | 'handler' | 'thread'; readonly label: string };
  /** The id of the known finding in Go's runtime this is an instance of (known-findings.ts), if it is one. */
  readonly known?: string;
}

export interface RelatedPosition {
  /**
   * saved, restored, returned: a callee-saved register's story; wrote: who put a resumed SP into the CONTEXT;
   * faults, realigned: what a misaligned SP led to (the SP-based access hardware faults on, or the fix-up before one).
   */
  readonly role: 'saved' | 'restored' | 'returned' | 'wrote' | 'faults' | 'realigned';
  readonly position: number;
  readonly pc: number;
  readonly symbol: string;
}

export function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}
