// The process-data allocator: blocks come back, neighbours merge, and the same calls give the same addresses.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProcessHeap } from '../../src/recorder/windows/process-heap.ts';

test('a freed block is reused, so alloc/free pairs never exhaust the area', () => {
  const h = new ProcessHeap(0x1000n, 0x2000n);
  const keep = h.alloc(100)!;
  for (let i = 0; i < 100_000; i++) {
    const b = h.alloc(1000);
    assert.equal(b, keep + 104n);
    assert.ok(h.release(b!));
  }
  assert.equal(h.used, 104n);
});

test('neighbours merge on free, in any order; a stranger or a double free changes nothing', () => {
  const h = new ProcessHeap(0n, 0x100n);
  const [a, b, c] = [h.alloc(0x40)!, h.alloc(0x40)!, h.alloc(0x40)!];
  assert.deepEqual([a, b, c], [0n, 0x40n, 0x80n]);
  assert.equal(h.alloc(0x41), undefined);
  assert.ok(h.release(c));
  assert.ok(h.release(a));
  assert.ok(h.release(b));
  assert.equal(h.release(b), false);
  assert.equal(h.release(0x8n), false);
  assert.equal(h.alloc(0x100), 0n, 'the three blocks merged back into the whole area');
});
