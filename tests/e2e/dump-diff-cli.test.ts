// wintrace dump and wintrace diff as a user runs them, on two full recordings of crash.exe: the recordings are
// the same (diff exits 0), an episode dumps from its fault to its resume, a thread and a depth select what they
// say, and bad input is one line and exit 2.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-dump-diff-'));
const a = join(dir, 'a.mp');
const b = join(dir, 'b.mp');
after(() => rmSync(dir, { recursive: true, force: true }));

before(() => {
  for (const out of [a, b]) assert.equal(wintrace('record', fixtureExe('crash'), '-o', out, '-q').code, 0);
});

describe('wintrace diff', () => {
  test('two recordings of the same program: nothing different, exit 0', () => {
    const r = wintrace('diff', a, b);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^no differences: [\d,]+ steps compared, 5 episodes$/m);
    assert.doesNotMatch(r.out, /divergence|differ(s|ently)/);
  });

  test('a trace that is not a trace, or is missing: one line, exit 2', () => {
    const junk = join(dir, 'junk.mp');
    writeFileSync(junk, 'not a trace at all');
    for (const bad of [junk, join(dir, 'missing.mp')]) {
      const r = wintrace('diff', a, bad);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /^wintrace: .*(junk|missing)\.mp/);
      assert.equal(r.err.trim().split('\n').length, 1);
    }
  });
});

describe('wintrace dump', () => {
  test('--episode K: the exception dispatch from the fault to the resume, on its thread', () => {
    const list = JSON.parse(wintrace('episodes', a, '--json').out) as Array<{ index: number; kind: string }>;
    const k = list.find((e) => e.kind === 'exception')!.index;
    const r = wintrace('dump', a, '--episode', String(k));
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.equal(lines[0], `# wintrace dump of crash.exe: episode ${k}: exception 0xC0000005 at main.deref (resumed at sigresume with SP 0x2001ffec0)`);
    assert.match(lines[1]!, /^0x1000 regs .*pc=main\.deref /);
    assert.match(lines[2]!, /^0x1000 main\.deref\s+ldr x0, \[x0\]$/);
    assert.equal(lines[3], '0x1000 * exception 0xC0000005 at main.deref [0x0, 0x0], CONTEXT at 0x40000c7aa0');
    assert.match(lines.at(-2)!, /^0x1000 sigresume\s+mov sp, x0\s+sp=0x40000c7ef0$/);
    assert.match(lines.at(-1)!, /^# \d+ steps shown; the run ended with exit code 2 \(exit\)$/);
    assert.ok(lines.every((l) => !/^0x10(04|08|0c|10) /.test(l)), 'only the faulting thread');
  });

  test('--thread and --depth select what they say', () => {
    const t = wintrace('dump', a, '--thread', '0x1004', '--depth', '0');
    assert.equal(t.code, 0, t.err);
    const lines = t.out.trimEnd().split('\n');
    assert.equal(lines[0], '# wintrace dump of crash.exe: thread 0x1004, calls 0 deep folded');
    assert.ok(lines.slice(1, -1).every((l) => /^(0x1004 |0x1000 \* thread 0x1004 created|~ )/.test(l)), lines.slice(0, 8).join('\n'));
    assert.ok(lines.includes('0x1004 ~ 6 steps inside the call to runtime.save_g'), lines.join('\n'));
    // sysmon never returns from mstart.
    assert.ok(lines.some((l) => /^0x1004 ~ \d+ steps inside the call to runtime\.mstart \(it has not returned when the dump ends\)$/.test(l)));
  });

  test('usage errors name what exists', () => {
    const e = wintrace('dump', a, '--episode', '99');
    assert.equal(e.code, 2);
    assert.match(e.err, /^wintrace: --episode 99: .*a\.mp has 5 episodes \(0-4; wintrace episodes lists them\)\n$/);
    const t = wintrace('dump', a, '--thread', '0x2000');
    assert.equal(t.code, 2);
    assert.match(t.err, /^wintrace: --thread 0x2000: no such thread in .*a\.mp \(it has 0x1000, 0x1004, 0x1008, 0x100c, 0x1010\)\n$/);
    const d = wintrace('dump', a, '--depth', '-1');
    assert.equal(d.code, 2);
    assert.match(d.err, /^wintrace: --depth -1: expected a whole number of calls, 0 or more\n$/);
  });
});
