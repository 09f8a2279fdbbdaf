// Violations that are real, found by wintrace in Go's own windows/arm64 runtime, and not the user's doing: a porter
// checking a change wants to see what the change broke, not the same upstream bug in every trace. Each is still
// reported, marked with its id and why; `wintrace check` counts it apart and leaves the exit status to the rest
// (`--strict` counts it too). As data, like the rules: what is matched, and the evidence.

import type { RuleId } from './rules.ts';
import type { Violation } from './violation.ts';

export interface KnownFinding {
  readonly id: string;
  readonly rule: RuleId;
  /** Registers it concerns (the violation's subject). */
  readonly subjects: readonly string[];
  /** The boundaries it happens across: a span kind, and a label the span's must start with, if any. */
  readonly boundaries: ReadonlyArray<{ readonly kind: NonNullable<Violation['boundary']>['kind']; readonly label?: string }>;
  readonly why: string;
}

const D8_D15 = ['d8', 'd9', 'd10', 'd11', 'd12', 'd13', 'd14', 'd15'];

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    id: 'go-callbackasm1-d8-d15',
    rule: 'callee-saved',
    subjects: D8_D15,
    // A callback through the runtime's callback table, and the console control handler, which Windows' control
    // thread calls through the same table.
    boundaries: [{ kind: 'callback' }, { kind: 'thread', label: 'thread start routine kernelbase.dll!CtrlRoutine' }],
    why: 'Go\'s runtime.callbackasm1 (runtime/sys_windows_arm64.s, every release from 1.19 to 1.27) saves R19-R28 for ' +
      'its C caller but not F8-F15, and the way into Go (cgocallback, unspillArgs) loads F8-F15 as float arguments: ' +
      'D8-D15 come back changed from every callback into Go (windows/amd64\'s callbackasm1 saves X6-X15; sigtramp ' +
      'on arm64 saves F8-F15). Not a bug of the program being checked.',
  },
  {
    id: 'go-tstart-stdcall-d8-d15',
    rule: 'callee-saved',
    subjects: D8_D15,
    boundaries: [{ kind: 'thread', label: 'thread start routine runtime.tstart_stdcall' }],
    why: 'Go\'s runtime.tstart_stdcall, the start routine of every thread the runtime creates, saves R19-R28 but not ' +
      'F8-F15 (every release from 1.19 to 1.27), and from 1.22 the Go code on a new M overwrites V8-V15 ' +
      '(internal/chacha8rand.block): a thread that ends, such as one a goroutine locked with LockOSThread and left, ' +
      'returns to Windows with D8-D15 changed. Not a bug of the program being checked.',
  },
];

/** The known finding a violation is an instance of, if any. */
export function knownFinding(v: Violation): KnownFinding | undefined {
  const b = v.boundary;
  if (!b) return undefined;
  return KNOWN_FINDINGS.find((k) => k.rule === v.rule && k.subjects.includes(v.subject) &&
    k.boundaries.some((x) => x.kind === b.kind && (x.label === undefined || b.label.startsWith(x.label))));
}
