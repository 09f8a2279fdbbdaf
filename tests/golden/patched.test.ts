// Acceptance: the golden tests catch a one-instruction change in a fixture and name it. `sigtramp` saves the
// callee-saved X27 in X16 before load_g clobbers X27 and restores it before returning to Windows; the patch makes
// it save XZR instead. The program still runs the same way (Windows restores every register from the CONTEXT
// when it resumes), so only the golden's text and the ABI check can notice: the first divergent line must be
// that instruction, and the vectored handler now returns with X27 changed.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { patchProgram } from '../helpers/patch.ts';
import { goldenFailures, produce, TRACES } from './goldens.ts';
import { SCENARIOS } from './scenarios.ts';

const MOV_X16_X27 = 0xaa1b03f0;
const MOV_X16_XZR = 0xaa1f03f0;

const work = mkdtempSync(join(tmpdir(), 'wintrace-golden-patched-'));
const patched = patchProgram(fixtureExe('crash'), [{ symbol: 'sigtramp', offset: 0xc, expect: MOV_X16_X27, replace: MOV_X16_XZR }]);
after(() => {
  patched.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test('the unhandled-crash golden fails on a patched crash.exe, naming the patched instruction', async () => {
  const scenario = SCENARIOS.find((s) => s.name === 'unhandled-crash')!;
  const run = produce(scenario, patched.path, work);
  const failures = await goldenFailures(scenario, run);
  assert.equal(failures.length, 2, failures.join('\n\n'));
  const [text, abi] = failures as [string, string];
  assert.match(text.split('\n')[0]!, /^traces\/unhandled-crash\.dump line \d+: first divergence at sigtramp\+0xc \(mov x16, x27\)$/);
  // X27 holds the sentinel the vectored handler was entered with (entry #5 of thread 0x1000).
  assert.match(text, /^ {2}- 0x1000 sigtramp\+0xc\s+mov x16, x27\s+x16=0x5e17310000005027 {3}\(golden\)$/m);
  assert.match(text, /^ {2}\+ 0x1000 sigtramp\+0xc\s+mov x16, xzr\s+x16=0x0 {3}\(this run\)$/m);
  // The line before it is the same in both, and is shown.
  assert.match(text, /^ {4}0x1000 sigtramp\+0x8\s+mov x7, x30/m);
  assert.match(abi, /callee-saved at .*x27/);

  // wintrace diff says the same about the two window traces.
  const d = wintrace('diff', join(TRACES, 'unhandled-crash.mp'), run.trace);
  assert.equal(d.code, 1, d.out + d.err);
  assert.match(d.out, /first divergence: thread 0x1000, after \d+ matching lines/);
  assert.match(d.out, /calls open: sigtramp\n/);
  assert.match(d.out, /^ {2}- 0x1000 sigtramp\+0xc\s+mov x16, x27/m);
  assert.match(d.out, /^ {2}\+ 0x1000 sigtramp\+0xc\s+mov x16, xzr/m);
});
