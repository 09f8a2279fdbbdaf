// `record --jobs 2` writes the file `record --jobs 1` writes, byte for byte, and prints the same guest output:
// shares small enough that each fixture is split among the workers several times, so each worker takes over from
// the other's state (checked by the digest) more than once.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Four segments: panic-recover (~0.7M instructions) is eleven shares. */
const SHARE = String(4 * 16384);

for (const release of ['1.19', '1.27']) {
  for (const name of ['panic-recover', 'goroutines', 'std-closures-defer']) {
    test(`record --jobs 2 of ${name} (Go ${release}) is byte for byte record --jobs 1`, () => {
      const exe = fixtureExe(name, release);
      const one = join(dir, `${name}-${release}-1.mp`);
      const two = join(dir, `${name}-${release}-2.mp`);
      const a = wintrace('record', exe, '-o', one, '-q', '--jobs', '1');
      assert.equal(a.code, 0, a.err);
      const b = wintrace('record', exe, '-o', two, '-q', '--jobs', '2', '--jobs-share', SHARE);
      assert.equal(b.code, 0, b.err);
      assert.equal(b.out, a.out);
      const x = readFileSync(one);
      const y = readFileSync(two);
      const at = x.findIndex((v, i) => v !== y[i]);
      assert.ok(at < 0 && x.length === y.length, `the files differ at byte ${at < 0 ? Math.min(x.length, y.length) : at} (${x.length} and ${y.length} bytes)`);
    });
  }
}

test('record --jobs refuses what its workers cannot share, in one line', () => {
  const r = wintrace('record', fixtureExe('hello'), '-o', join(dir, 'x.mp'), '--jobs', '2', '--start-at', '1000');
  assert.equal(r.code, 2);
  assert.equal(r.err.trim(), 'wintrace: --jobs 2 cannot be combined with --start-at yet: record with --jobs 1');
  const s = wintrace('record', fixtureExe('hello'), '-o', join(dir, 'x.mp'), '--jobs', '2', '--jobs-share', '20000');
  assert.equal(s.code, 2);
  assert.equal(s.err.trim(), 'wintrace: --jobs-share 20000: expected a multiple of 16384 instructions (one segment)');
});
