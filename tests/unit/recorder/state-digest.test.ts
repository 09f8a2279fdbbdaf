// The determinism check a parallel recording rests on: the complete emulated state at an instruction count
// (memory, every thread's registers, the emulated Windows' objects) is the same in every run of the same program
// that reaches that count, whether the run was traced up to it or not.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RecordSession, type ShareResult } from '../../../src/recorder/session.ts';
import { digestDifference, type StateDigest } from '../../../src/recorder/state-digest.ts';
import { SEGMENT_STEPS } from '../../../src/trace/schema.ts';
import { fixtureExe } from '../../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-digest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const S = BigInt(SEGMENT_STEPS);
/** Well into goroutines' run: several threads exist and have switched, the heap and handles are in use. */
const AT = 40n * S;

let n = 0;
/** The digests where a share of `size` instructions from `from` begins and ends. */
function share(from: bigint, size: bigint): { start?: StateDigest; end?: StateDigest } {
  const shares: ShareResult[] = [];
  new RecordSession({
    program: fixtureExe('goroutines'), output: join(dir, `${n++}.part`), args: [], env: {},
    share: { from, size, stride: 1n << 60n, onShare: (r) => shares.push(r) },
  }).run();
  assert.ok(shares[0] && !shares[0].before, 'the program ended before the share');
  return shares[0];
}

test('two untraced runs that reach the same instruction count have the same state, and a traced run agrees', () => {
  const a = share(AT, S).start!;
  const b = share(AT, S).start!;
  assert.deepEqual(digestDifference(a, b), []);
  const traced = share(0n, AT).end!;
  assert.deepEqual(digestDifference(traced, a), []);
  // The digest sees the state move on: one segment later every part differs.
  const later = share(AT + S, S).start!;
  assert.deepEqual(digestDifference(a, later), ['memory', 'threads', 'windows']);
});

test('the memory digest sees one changed byte anywhere, and a page written with zeros is a page never touched', async () => {
  const { UnicornEngine } = await import('../../../src/recorder/engine/unicorn.ts');
  const { stateDigest } = await import('../../../src/recorder/state-digest.ts');
  const fresh = () => {
    const e = new UnicornEngine();
    e.map(0x10000000n, 0x4000000, { read: true, write: true, execute: false }); // 64 MiB: four host blocks, most pages never touched
    e.write(0x10000000n, new Uint8Array([1, 2, 3]));
    return e;
  };
  const memory = (e: InstanceType<typeof UnicornEngine>) => stateDigest(e, [], {}).memory;
  const a = fresh();
  const b = fresh();
  try {
    assert.equal(memory(a), memory(b));
    b.write(0x13fffff8n, new Uint8Array(8)); // zeros over untouched zeros, in another block
    assert.equal(memory(a), memory(b));
    for (const at of [0x10000002n, 0x12345678n, 0x13ffffffn]) {
      const before = memory(b);
      const old = b.read(at, 1);
      b.write(at, new Uint8Array([old[0]! ^ 0x40]));
      assert.notEqual(memory(b), before, `a byte changed at 0x${at.toString(16)}`);
      b.write(at, old);
      assert.equal(memory(b), before);
    }
    // The same bytes at another address are another state.
    const c = fresh();
    try {
      c.write(0x10000000n, new Uint8Array(3));
      c.write(0x10001000n, new Uint8Array([1, 2, 3]));
      assert.notEqual(memory(c), memory(a));
    } finally {
      c.close();
    }
  } finally {
    a.close();
    b.close();
  }
});
