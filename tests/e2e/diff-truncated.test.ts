// `wintrace diff` of a recording against a copy of itself cut short (as Ctrl-C or a crash leaves it: no footer):
// the common prefix is reported identical. The stubs the program asked for during the run (GetProcAddress) are
// named in the footer only; the cut copy names them from its events, so its lines read as the whole one's.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Trace } from '../../src/replayer/trace.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-diff-cut-'));
const whole = join(dir, 'whole.mp');
after(() => rmSync(dir, { recursive: true, force: true }));

before(() => {
  const r = wintrace('record', fixtureExe('goroutines'), '-o', whole, '-q');
  assert.equal(r.code, 0, r.err);
});

/** The file up to its footer (the trailer's last 16 bytes: footer offset, end magic), or cut at a fraction. */
function cut(name: string, at: 'footer' | number): string {
  const b = readFileSync(whole);
  const end = at === 'footer' ? Number(b.readBigUInt64LE(b.length - 16)) : Math.floor(b.length * at);
  const out = join(dir, name);
  writeFileSync(out, b.subarray(0, end));
  return out;
}

for (const [name, at] of [['no-footer.mp', 'footer'], ['cut-60.mp', 0.6]] as const) {
  test(`diff against ${name}: no differences in the common prefix, both ways, exit 0`, () => {
    const copy = cut(name, at);
    for (const [x, y] of [[whole, copy], [copy, whole]] as const) {
      const r = wintrace('diff', x, y);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /^no differences: [\d,]+ steps compared, \d+ episodes?$/m, r.out);
      assert.match(r.out, /\(cut short: no footer, compared up to its last step\)/);
      assert.doesNotMatch(r.out, /0x7ffa00[0-9a-f]{6}/, 'every stub is named');
    }
  });
}

test('the cut copy names every stub placed during the run as the whole recording does', () => {
  const w = Trace.open(whole);
  const c = Trace.open(cut('named.mp', 'footer'));
  try {
    assert.ok(c.truncated);
    const late = w.footer!.stubs.filter((s) => !w.header.stubs.some((h) => h.name === s.name));
    assert.ok(late.length > 10, `stubs placed during the run: ${late.length}`);
    // GetProcAddress of a function not asked for before the cut stays unnamed; all were asked for here.
    for (const s of late) assert.equal(c.symbols.format(Number(s.address)), s.name);
  } finally {
    w.close();
    c.close();
  }
});
