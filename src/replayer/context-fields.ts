// Which register each CONTEXT field holds: the emulated Windows saves a thread's registers into a CONTEXT when
// an exception is raised and loads them back from it on resume, so a value's origin crosses between the two.

import { CONTEXT } from '../arch/windows-structs.ts';
import { structFields } from './struct-view.ts';

/** CONTEXT field name → trace slot (src/arch/arm64.ts order). */
const SLOT_OF_FIELD: ReadonlyMap<string, number> = new Map([
  ...Array.from({ length: 29 }, (_, n) => [`X${n}`, n] as const),
  ['Fp', 29], ['Lr', 30], ['Sp', 31], ['Pc', 32], ['Cpsr', 33],
  ...Array.from({ length: 32 }, (_, n) => [`V${n}`, 34 + n] as const),
  ['Fpcr', 66], ['Fpsr', 67],
]);

const FIELDS = structFields(CONTEXT).filter((f) => SLOT_OF_FIELD.has(f.name));

/** The CONTEXT field that holds trace slot `slot`. */
export function contextFieldOfSlot(slot: number): { name: string; offset: number; size: number } | undefined {
  return FIELDS.find((f) => SLOT_OF_FIELD.get(f.name) === slot);
}

/** The slot whose field covers byte `offset` of a CONTEXT; undefined outside the register fields. */
export function contextSlotAt(offset: number): number | undefined {
  const f = FIELDS.find((x) => offset >= x.offset && offset < x.offset + x.size);
  return f && SLOT_OF_FIELD.get(f.name);
}
