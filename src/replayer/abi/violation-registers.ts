// Which registers a violation is about, and at which positions a register view should mark them: the blamed
// instruction, and the places where the wrong value is handed on (the return that gives it back, the access that
// faults on it, where the checker noticed). Marking only the blamed position would leave a user who steps to the
// return with an unmarked register that still holds the clobbered value.

import { slotOf } from '../describe.ts';
import type { RegistersView } from '../view.ts';
import type { RelatedPosition, Violation } from './violation.ts';
import { SP_SLOT, X18_SLOT } from '../regfile.ts';

export interface RegisterMark {
  readonly slot: number;
  /** Index of the violation in the list the marks were computed from (what `violation:K` and the pane number). */
  readonly violation: number;
  /** Why this register is marked here, for the registers pane's title line. */
  readonly note: string;
}

/**
 * The register slots `v` is about: the register its subject names (x19, fp, d8, sp, x18), else the register
 * the rule is about (X18 for the TEB rules, SP for alignment). A subject that is memory (`CONTEXT.Sp @ ...`) names
 * none: the register view has nothing to mark for it.
 */
export function violationSlots(v: Violation): number[] {
  const named = slotOf(v.subject.split(/[ :]/)[0] ?? '');
  if (named !== undefined) return [named];
  if (v.rule === 'x18-untouched' || v.rule === 'teb-consistent') return [X18_SLOT];
  if (v.rule === 'sp-aligned') return [SP_SLOT];
  return [];
}

/** Related roles at which the violation's register still holds the wrong value; saves and restores are not among them. */
const WRONG_VALUE_ROLES: ReadonlySet<RelatedPosition['role']> = new Set(['returned', 'faults']);

function placeNote(v: Violation, i: number, position: number): string | undefined {
  if (v.position === position) return `violation #${i} ${v.rule}: ${v.before} -> ${v.after}`;
  const r = v.related?.find((x) => x.position === position && WRONG_VALUE_ROLES.has(x.role));
  if (r) return `violation #${i} ${v.rule}: ${r.role === 'faults' ? 'hardware faults here' : 'returned with it wrong'}`;
  if (v.detectedAt === position) return `violation #${i} ${v.rule}: noticed here`;
  return undefined;
}

/** The registers to mark `!` at `position`, one mark per register and violation. */
export function violationRegistersAt(violations: readonly Violation[], position: number): RegisterMark[] {
  const out: RegisterMark[] = [];
  violations.forEach((v, i) => {
    const note = placeNote(v, i, position);
    if (note === undefined) return;
    for (const slot of violationSlots(v)) out.push({ slot, violation: i, note });
  });
  return out;
}

/** The view with each marked register flagged; a flag the view already had (X18 not the TEB) comes first. */
export function markViolationRegisters(view: RegistersView, marks: readonly RegisterMark[]): RegistersView {
  if (marks.length === 0) return view;
  const rows = view.rows.map((row) => {
    const notes = marks.filter((m) => m.slot === row.slot).map((m) => m.note);
    if (notes.length === 0) return row;
    return { ...row, flag: [...(row.flag ? [row.flag] : []), ...notes].join('; ') };
  });
  return { ...view, rows };
}
