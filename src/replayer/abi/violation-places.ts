// The other positions a violation's explanation names, in the order a user reads the story: each related
// instruction (saved, restored, returned, wrote, faults, realigned), then where the checker noticed when that is
// none of them. A debugger goes to each of them by number from the violation's detail.

import type { RelatedPosition, Violation } from './violation.ts';

export interface ViolationPlace {
  readonly role: RelatedPosition['role'] | 'noticed';
  readonly position: number;
  /** The instruction's symbol+offset; undefined for the checker's noticing position (the caller looks it up). */
  readonly symbol: string | undefined;
}

export function violationPlaces(v: Violation): ViolationPlace[] {
  const out: ViolationPlace[] = (v.related ?? []).map((r) => ({ role: r.role, position: r.position, symbol: r.symbol }));
  const d = v.detectedAt;
  if (d !== undefined && d !== v.position && !out.some((p) => p.position === d)) out.push({ role: 'noticed', position: d, symbol: undefined });
  return out;
}
