// Sentinel values (docs/trace-format.md, "Sentinels"): at every entry from Windows into the program — the process
// entry, a thread start routine, a vectored exception or continue handler, a callback — the emulated Windows fills
// X19-X28 and D8-D15 with values a real caller could hold live there, and which no program computes by chance:
// each names the entry and the register. So a routine that clobbers a callee-saved register it did not save is
// seen even where the register happened to hold 0 or the value the routine writes, and the trace says whose value
// a register still holds. Shared by the recorder (which fills them) and the replayer (which explains them).
//
// Layout, in hex digits: 5e17 K TTTT SSSS RRR
//   5e17  marks a sentinel (not a canonical user address: dereferencing one faults)
//   K     the entry kind (ENTRY_KINDS)
//   TTTT  the low 16 bits of the thread id
//   SSSS  the entry's number in the run (low 16 bits): the n-th entry from Windows since the process began
//   RRR   the register, readable as its name: 019..028 for x19..x28, d08..d15 for d8..d15

export type EntryKind = 'process-entry' | 'thread-start' | 'vectored' | 'continue' | 'callback';

/** K, by entry kind, and what each entry is called in explanations. */
export const ENTRY_KINDS: Readonly<Record<EntryKind, { readonly code: number; readonly what: string }>> = {
  'process-entry': { code: 1, what: 'the process entry' },
  'thread-start': { code: 2, what: 'a thread start routine\'s entry' },
  vectored: { code: 3, what: 'a vectored exception handler\'s entry' },
  continue: { code: 4, what: 'a vectored continue handler\'s entry' },
  callback: { code: 5, what: 'a callback\'s entry' },
};

/** Trace slots an entry fills: X19-X28, then V8-V15 (whose low 64 bits are D8-D15; the high halves are 0). */
export const SENTINEL_SLOTS: readonly number[] = [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 42, 43, 44, 45, 46, 47, 48, 49];

const MARK = 0x5e17n;
const V0 = 34;

/** RRR for a trace slot: the register's name read as hex digits (x19 -> 0x019, d8 -> 0xd08). */
function registerCode(slot: number): bigint {
  return BigInt(slot >= V0 ? `0xd${String(slot - V0).padStart(2, '0')}` : `0x0${slot}`);
}

export function sentinelValue(kind: EntryKind, tid: number, seq: number, slot: number): bigint {
  return (MARK << 48n) | (BigInt(ENTRY_KINDS[kind].code) << 44n) | (BigInt(tid & 0xffff) << 28n) | (BigInt(seq & 0xffff) << 12n) | registerCode(slot);
}

/** The values of one entry, slot by slot. */
export function sentinelsFor(kind: EntryKind, tid: number, seq: number): Array<[number, bigint]> {
  return SENTINEL_SLOTS.map((slot) => [slot, sentinelValue(kind, tid, seq, slot)]);
}

export interface Sentinel {
  readonly kind: EntryKind;
  /** Low 16 bits of the thread id, and of the entry's number. */
  readonly tid: number;
  readonly seq: number;
  /** Trace slot of the register it was made for. */
  readonly slot: number;
}

/** What a 64-bit value is as a sentinel, or undefined when it is not one. */
export function decodeSentinel(value: bigint): Sentinel | undefined {
  if (value >> 48n !== MARK) return undefined;
  const code = Number((value >> 44n) & 0xfn);
  const kind = (Object.keys(ENTRY_KINDS) as EntryKind[]).find((k) => ENTRY_KINDS[k].code === code);
  const digits = (value & 0xfffn).toString(16).padStart(3, '0');
  const slot = /^0(19|2[0-8])$/.test(digits) ? Number(digits.slice(1)) : /^d(0[89]|1[0-5])$/.test(digits) ? V0 + Number(digits.slice(1)) : undefined;
  if (kind === undefined || slot === undefined) return undefined;
  return { kind, tid: Number((value >> 28n) & 0xffffn), seq: Number((value >> 12n) & 0xffffn), slot };
}

/** "sentinel 0x5e17… of a thread start routine's entry (#3, thread 0x1004)", for explanations. */
export function describeSentinel(value: bigint): string | undefined {
  const s = decodeSentinel(value);
  if (!s) return undefined;
  return `sentinel 0x${value.toString(16)} of ${ENTRY_KINDS[s.kind].what} (#${s.seq}, thread 0x${s.tid.toString(16)})`;
}
