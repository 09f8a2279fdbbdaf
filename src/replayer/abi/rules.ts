// The Windows ARM64 ABI rules wintrace checks, as data: id, one-line description, and the sentence a violation
// report ends with. Sources: Microsoft, "Overview of ARM64 ABI conventions"; ../shared/design/windows-arm64.md.

export type RuleId = 'x18-untouched' | 'sp-aligned' | 'callee-saved' | 'resume-in-stack' | 'teb-consistent';

export interface AbiRule {
  readonly id: RuleId;
  readonly description: string;
  /** Why a violation breaks the Windows ABI, one sentence. */
  readonly why: string;
}

export const RULES: readonly AbiRule[] = [
  {
    id: 'x18-untouched',
    description: 'no program instruction writes X18 (the emulated Windows setting it is not a violation; a write that gives ' +
      'X18 its TEB back after a wrong one is the end of that violation, not another)',
    why: 'X18 is the platform register: Windows keeps the running thread\'s TEB in it and user code must never write it, ' +
      'so TLS, GetLastError and the exception dispatcher would then read through a wrong TEB pointer.',
  },
  {
    id: 'sp-aligned',
    description: 'SP is 16-byte aligned after every instruction (stricter than the CPU, which faults only on a load or store ' +
      'through a misaligned SP: each violation says whether such an access followed, where the run left what hardware does, ' +
      'or SP was aligned again first)',
    why: 'Windows on ARM64 requires SP to be 16-byte aligned at all times: SP-relative accesses fault with a misaligned SP, ' +
      'and an exception dispatched now would push its CONTEXT at a misaligned address.',
  },
  {
    id: 'callee-saved',
    description: 'across every entry from Windows into the program (exception and continue handlers, thread start routines, ' +
      'callbacks through callbackasm) and every call out through asmstdcall, X19-X28, FP, SP and D8-D15 hold on return ' +
      'what they held at entry, and control returns to the LR given',
    why: 'X19-X28, FP, SP and D8-D15 are callee-saved in the Windows ARM64 ABI: the code on the other side of the boundary ' +
      'keeps live values in them across the call and goes on with whatever it finds.',
  },
  {
    id: 'resume-in-stack',
    description: 'a resumed context\'s SP lies within that thread\'s stack limits',
    why: 'RtlGuardRestoreContext (Control Flow Guard) refuses to resume a CONTEXT whose SP lies outside the TEB\'s ' +
      '[StackLimit, StackBase) and fails fast with 0xC0000409 (STATUS_STACK_BUFFER_OVERRUN), as golang/go#44451 shows.',
  },
  {
    id: 'teb-consistent',
    description: 'X18 is the calling thread\'s TEB at every call into Windows and every return to it (API calls, a handler\'s ' +
      'or a thread start routine\'s return), and the emulated Windows never leaves it wrong (thread switch, API return, ' +
      'exception dispatch)',
    why: 'Windows finds the running thread\'s TEB through X18 (GetCurrentThreadId, GetLastError and SetLastError, TLS, the ' +
      'exception dispatcher): with another value there it reads and writes that memory as the TEB, and faults when X18 ' +
      'points at nothing.',
  },
];

export const RULE_IDS: readonly RuleId[] = RULES.map((r) => r.id);

export function rule(id: string): AbiRule | undefined {
  return RULES.find((r) => r.id === id);
}

/** Registers callee-saved under the Windows ARM64 ABI: X19-X28, FP (X29), SP, and the low 64 bits of V8-V15. */
export const CALLEE_SAVED_SLOTS: readonly number[] = [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31];
export const CALLEE_SAVED_D_SLOTS: readonly number[] = [42, 43, 44, 45, 46, 47, 48, 49];

/**
 * Boundaries the callee-saved rule watches that belong to the emulated Windows. The Go runtime's (its C-ABI
 * caller, its callback table) differ by version: go-runtimes.ts.
 */
export const BOUNDARIES = {
  /** The emulated Windows' stub that a returning thread start routine lands on. */
  threadReturn: 'wintrace!ThreadReturn',
} as const;
