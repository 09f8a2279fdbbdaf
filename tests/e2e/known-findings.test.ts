// Known findings in Go's own runtime (src/replayer/abi/known-findings.ts): callbackasm1 gives none of D8-D15 back
// to its C caller, in every release, so every trace of a Go callback had `check` exit 1 for a bug the program
// being checked did not make. They stay in the report, each marked with its id and why, and are counted apart;
// --strict counts them.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-known-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface CheckJson { violations: Array<{ rule: string; subject: string; known?: string }>; counted: number; known: Array<{ id: string; count: number; why: string }> }

describe('check on a Go callback: the runtime\'s D8-D15 bug is reported as known, not counted', () => {
  for (const release of ['1.19', '1.27']) {
    test(`go${release} callback`, () => {
      const trace = join(dir, `cb-${release}.mp`);
      assert.equal(wintrace('record', fixtureExe('callback', release), '-o', trace, '-q').code, 0);
      const plain = wintrace('check', trace, '-q');
      assert.equal(plain.code, 0, plain.out);
      assert.match(plain.out, /^no violations \(.*\) in [\d.]+ s$/m);
      assert.match(plain.out, /^and 8 known findings in Go's runtime, not counted \(--strict counts them\): go-callbackasm1-d8-d15: Go's runtime\.callbackasm1/m);
      assert.match(plain.out, /^#0 callee-saved \[known: go-callbackasm1-d8-d15\]/m);
      const strict = wintrace('check', trace, '-q', '--strict');
      assert.equal(strict.code, 1);
      assert.match(strict.out, /^8 violations \(.*callee-saved 8/m);
      const json = JSON.parse(wintrace('check', trace, '--json').out) as CheckJson;
      assert.equal(json.counted, 0);
      assert.deepEqual(json.known, [{ id: 'go-callbackasm1-d8-d15', count: 8, why: json.known[0]!.why }]);
      assert.deepEqual(json.violations.map((v) => `${v.subject} ${v.known}`).sort(), ['d10', 'd11', 'd12', 'd13', 'd14', 'd15', 'd8', 'd9'].map((d) => `${d} go-callbackasm1-d8-d15`));
    });
  }

  test('a D8 clobber of the program\'s own is not taken for the runtime\'s: abi-seeded start-clobber still fails', () => {
    const trace = join(dir, 'start-clobber.mp');
    wintrace('record', fixtureExe('abi-seeded'), '-o', trace, '-q', '--', 'start-clobber');
    const r = wintrace('check', trace, '-q');
    assert.equal(r.code, 1);
    assert.match(r.out, /^3 violations /m);
    assert.doesNotMatch(r.out, /\[known:|known finding/);
  });
});
