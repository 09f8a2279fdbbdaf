// Which violations are instances of a known finding in Go's own runtime (src/replayer/abi/known-findings.ts): a
// D8-D15 register not given back across a callback or the console control thread (callbackasm1), or across a
// runtime thread's start routine (tstart_stdcall: Go 1.27's threads-2000 fixture has 1,780 threads end with
// chacha8rand's V8-V15 in them); never a program's own routine, never X19-X28.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knownFinding } from '../../src/replayer/abi/known-findings.ts';
import type { Violation } from '../../src/replayer/abi/violation.ts';

function violation(subject: string, kind: NonNullable<Violation['boundary']>['kind'], label: string): Violation {
  return {
    rule: 'callee-saved', position: 10, step: 10, tid: 0x1004, pc: 0x1000, symbol: 'f', instruction: '', subject, before: '0x1', after: '0x0',
    detail: '', why: '', by: 'program', boundary: { kind, label },
  };
}

test('known findings match by rule, register and boundary, and nothing else', () => {
  const cases: Array<[Violation, string | undefined]> = [
    [violation('d8', 'callback', 'callback runtime.callbackasm+0x10'), 'go-callbackasm1-d8-d15'],
    [violation('d15', 'thread', 'thread start routine kernelbase.dll!CtrlRoutine'), 'go-callbackasm1-d8-d15'],
    [violation('d9', 'thread', 'thread start routine runtime.tstart_stdcall'), 'go-tstart-stdcall-d8-d15'],
    [violation('x19', 'thread', 'thread start routine runtime.tstart_stdcall'), undefined],
    [violation('x19', 'callback', 'callback runtime.callbackasm+0x10'), undefined],
    [violation('d8', 'thread', 'thread start routine startClobber'), undefined],
    [violation('d8', 'handler', 'vectored handler runtime.exceptiontramp'), undefined],
    [violation('d8', 'stdcall', 'call out through runtime.asmstdcall'), undefined],
    [{ ...violation('d8', 'callback', 'callback runtime.callbackasm'), rule: 'sp-aligned' }, undefined],
  ];
  for (const [v, want] of cases) assert.equal(knownFinding(v)?.id, want, `${v.rule} ${v.subject} across ${v.boundary!.label}`);
});
