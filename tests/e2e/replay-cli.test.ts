// The replay verbs as a user meets them: check's exit codes and report, show at every kind of place, events
// filtered by kind and thread, episodes, and bad traces refused in one line with exit 2.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { patchProgram } from '../helpers/patch.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-replay-cli-'));
const clean = join(dir, 'panic-recover.mp');
const buggy = join(dir, 'resume.mp');

before(() => {
  assert.equal(wintrace('record', fixtureExe('panic-recover'), '-o', clean, '-q').code, 0);
  const p = patchProgram(fixtureExe('panic-recover'), [{ symbol: 'sigtramp_g0', offset: 0x88, expect: 0xf90080c2, replace: 0xf90080df }]);
  try {
    // Self-contained: the patched program is removed before the tests open the trace.
    wintrace('record', p.path, '-o', buggy, '--self-contained', '-q');
  } finally {
    p.cleanup();
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('wintrace check', () => {
  test('a clean trace exits 0 and says so', () => {
    const r = wintrace('check', clean, '-q');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /steps, 5 threads; rules: x18-untouched, sp-aligned, callee-saved, resume-in-stack, teb-consistent\n/);
    assert.match(r.out, /^no violations \(x18-untouched 0, sp-aligned 0, callee-saved 0, resume-in-stack 0, teb-consistent 0\) in [\d.]+ s$/m);
  });

  test('violations exit 1 and name rule, position, thread, symbol, instruction, values and why', () => {
    const r = wintrace('check', buggy, '-q');
    assert.equal(r.code, 1);
    assert.match(r.out, /#0 resume-in-stack {2}position \d+ {2}thread 0x1000 {2}sigtramp_g0\+0x88 \(0x[0-9a-f]+\) {2}str xzr, \[x6, #0x100\]/);
    assert.match(r.out, /CONTEXT\.Sp @ 0x[0-9a-f]+: 0x[0-9a-f]+ -> 0x0/);
    assert.match(r.out, /why: RtlGuardRestoreContext/);
    assert.match(r.out, /^1 violation \(.*resume-in-stack 1/m);
  });

  test('--json gives the violations as data; --rule narrows the rules', () => {
    const r = wintrace('check', buggy, '--json');
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out) as { violations: Array<{ rule: string; symbol: string }> };
    assert.deepEqual(j.violations.map((v) => [v.rule, v.symbol]), [['resume-in-stack', 'sigtramp_g0+0x88']]);
    const only = wintrace('check', buggy, '--rule', 'sp-aligned', '-q');
    assert.equal(only.code, 0);
    assert.match(only.out, /rules: sp-aligned\n/);
  });

  test('bad input exits 2 with one line naming the file and what is wrong', () => {
    const junk = join(dir, 'junk.mp');
    writeFileSync(junk, 'not a trace at all');
    const r = wintrace('check', junk);
    assert.equal(r.code, 2);
    assert.equal(r.err, `wintrace: ${junk}: at offset 0: not a wintrace trace (bad magic)\n`);
    assert.equal(wintrace('check', join(dir, 'missing.mp')).code, 2);
    const rule = wintrace('check', clean, '--rule', 'x19-untouched');
    assert.equal(rule.code, 2);
    assert.match(rule.err, /^wintrace: --rule x19-untouched: no such rule/);
  });
});

describe('wintrace show', () => {
  test('at an episode: registers, disassembly with the current instruction, stack, call stack', () => {
    const r = wintrace('show', clean, '--at', 'episode:4');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^episode 4: exception 0xC0000005 at main\.readValue: position \d+ of \d+/);
    assert.match(r.out, /^=> +0x[0-9a-f]+ +main\.readValue +main\.go:20 +ldr x0, \[x0\]$/m);
    assert.match(r.out, /x18 +0x7ff800000000/);
    assert.match(r.out, /saved lr -> main\.main\+0x/);
    assert.match(r.out, /#1 +main\.safeRead\+0x50 +main\.go:34 +shadow, call at position \d+/);
    assert.match(r.out, /#2 +main\.main\+0xc0 +main\.go:41 +both/);
  });

  test("inside an exception handler the call stack goes through Windows' dispatch to the faulting code", () => {
    const r = wintrace('show', clean, '--at', 'runtime.exceptionhandler');
    assert.equal(r.code, 0, r.err);
    const stack = r.out.slice(r.out.indexOf('call stack'));
    assert.match(stack, /#\d+ +sigtramp_g0\+0x44 .*\n.*sigtramp\+0x7c .*\n.*exception 0xC0000005 dispatched by Windows from main\.readValue +main\.go:20 +windows.*\n.*main\.safeRead\+0x50 /);
  });

  test('at a symbol, a percentage and a position', () => {
    assert.match(wintrace('show', clean, '--at', 'runtime.exceptiontramp').out, /^first execution of runtime\.exceptiontramp: .* runtime\.exceptiontramp at sys_windows_arm64\.s:\d+$/m);
    assert.match(wintrace('show', clean, '--at', '50%').out, /^50%: position \d+ of/);
    assert.match(wintrace('show', clean, '--at', '0', '--fp').out, /d8 +0x/);
  });

  test('a place that does not exist is a usage error naming it', () => {
    const r = wintrace('show', clean, '--at', 'episode:99');
    assert.equal(r.code, 2);
    assert.match(r.err, /^wintrace: --at episode:99: the trace has 7 episodes/);
    assert.match(wintrace('show', clean, '--at', 'no.such.symbol').err, /no such position, symbol or place/);
  });
});

describe('wintrace events and episodes', () => {
  test('events filtered by kind, in order, with positions', () => {
    const r = wintrace('events', clean, '--kind', 'exception-raised', 'context-resumed');
    assert.equal(r.code, 0);
    const lines = r.out.trim().split('\n').slice(1);
    assert.equal(lines.length, 6);
    assert.match(lines[0]!, /exception-raised +exception 0xC0000005 at main\.readValue \[0x0, 0x0\], CONTEXT at 0x/);
    assert.match(lines[1]!, /context-resumed +context resumed at sigresume, SP 0x/);
    assert.equal(wintrace('events', clean, '--kind', 'bogus').code, 2);
  });

  test('episodes: three exceptions and the thread starts, each jumpable', () => {
    const r = wintrace('episodes', clean, '--marks');
    assert.equal(r.code, 0);
    assert.equal((r.out.match(/^episode:\d+ +exception /gm) ?? []).length, 3);
    assert.equal((r.out.match(/^episode:\d+ +thread-start /gm) ?? []).length, 4);
    assert.match(r.out, /vectored handler runtime\.exceptiontramp returned EXCEPTION_CONTINUE_EXECUTION \(-1\)/);
    assert.match(r.out, /first call into the scheduler \(runtime\.schedule\)/);
  });
});
