// However a run ends, the trace holds every instruction up to the end: before, a run that stopped on an
// unsupported API or an engine error never wrote its last partial segment (0 steps for a short program), so the
// instructions leading to the failure were missing. And --timeout and --max-instructions stop a guest that
// branches to address 0 as they stop a spin loop.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TraceReader } from '../../src/trace/reader.ts';
import { buildGoProgram, NO_GO } from '../helpers/go-build.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-run-ends-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function wintrace(...args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [WINTRACE_BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.signal, null, `wintrace ${args.join(' ')} did not end by itself`);
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (performance.now() - t0) / 1000 };
}

const UNSUPPORTED = `package main

import (
	"fmt"
	"syscall"
)

func main() {
	fmt.Println("calling an API wintrace does not emulate")
	r, _, err := syscall.NewLazyDLL("kernel32.dll").NewProc("GetNumaHighestNodeNumber").Call(0)
	fmt.Println("returned", r, err)
}
`;

const CALL_ZERO = `package main

import (
	"fmt"
	"syscall"
)

func main() {
	fmt.Println("calling address 0")
	syscall.SyscallN(0)
	fmt.Println("returned")
}
`;
import { WINTRACE_BIN } from '../helpers/bin.ts';

let unsupported: string;
let callZero: string;
before(() => {
  if (NO_GO) return;
  unsupported = buildGoProgram(dir, 'unsupported', UNSUPPORTED);
  callZero = buildGoProgram(dir, 'callzero', CALL_ZERO);
});

/** The pc of the last recorded step, and what the trace says about how the run ended. */
function lastStep(path: string): { steps: bigint; pc: bigint; truncated: boolean; endReason: string | undefined; stubs: Map<bigint, string> } {
  const r = new TraceReader(path);
  try {
    const t = r.trace;
    let pc = -1n;
    r.replaySegment(t.segments.length - 1, (s) => {
      pc = s.pc;
    });
    const stubs = new Map((t.footer?.stubs ?? t.header.stubs).map((s) => [s.address, s.name]));
    return { steps: t.totalSteps, pc, truncated: t.truncated, endReason: t.footer?.summary.endReason, stubs };
  } finally {
    r.close();
  }
}

describe('a run that ends in an error keeps its last instructions', { skip: NO_GO }, () => {
  test('unsupported API: one line, exit 6, and the complete trace ends at the call', () => {
    const trace = join(dir, 'unsupported.mp');
    const r = wintrace('record', unsupported, '-o', trace);
    assert.equal(r.code, 6, r.err);
    assert.equal(r.out, 'calling an API wintrace does not emulate\n');
    assert.equal(r.err, 'wintrace: unsupported API KERNEL32.dll!GetNumaHighestNodeNumber called from runtime.asmstdcall+0xc4\n');
    const last = lastStep(trace);
    assert.equal(last.truncated, false, 'the footer is written');
    assert.ok(last.steps > 0n);
    assert.equal(last.stubs.get(last.pc), 'kernel32.dll!GetNumaHighestNodeNumber', `last step at 0x${last.pc.toString(16)}`);
    assert.equal(last.endReason, 'error: unsupported API KERNEL32.dll!GetNumaHighestNodeNumber called from runtime.asmstdcall+0xc4');
  });
});

describe('a guest that calls address 0', { skip: NO_GO }, () => {
  test('gets an access violation at 0 that its runtime reports, under run and record', () => {
    const r = wintrace('run', callZero, '--timeout', '60');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^Exception 0xc0000005 0x8 0x0 0x0\nPC=0x0\n/);
    const trace = join(dir, 'callzero.mp');
    const rec = wintrace('record', callZero, '-o', trace, '-q', '--timeout', '60');
    assert.equal(rec.code, 0, rec.err); // record reports the recording, not the program's exit code
    assert.ok(lastStep(trace).steps > 0n);
  });

  test('--max-instructions and --timeout stop it before it gets there', () => {
    const budget = wintrace('run', callZero, '--max-instructions', '100000');
    assert.deepEqual([budget.code, budget.err], [5, 'wintrace: stopped after --max-instructions 100000\n']);
    const trace = join(dir, 'callzero-budget.mp');
    const rec = wintrace('record', callZero, '-o', trace, '-q', '--max-instructions', '100000');
    assert.deepEqual([rec.code, rec.err], [5, 'wintrace: stopped after --max-instructions 100000\n']);
    assert.equal(lastStep(trace).steps, 100_000n);
  });
});
