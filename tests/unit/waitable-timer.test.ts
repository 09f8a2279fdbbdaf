// A waitable timer's signaled state is one bit, not a count (SetWaitableTimer, Microsoft Learn): a periodic timer
// whose expirations nobody waited for is signaled once, and re-arms for its first expiration after now. Go's CPU
// profiler waits on such a timer every 1000/hz ms; a timer that queued its missed periods would hand it a burst of
// back-to-back samples at the same instruction.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WaitableTimer } from '../../src/recorder/windows/objects.ts';

const MS = 1_000_000n;

describe('waitable timers', () => {
  test('a periodic synchronization timer three periods late satisfies one wait, then fires at its next period', () => {
    const t = new WaitableTimer(false);
    t.set(10n * MS, 10n * MS);
    assert.equal(t.signaled(35n * MS), true);
    t.acquire();
    assert.equal(t.signaled(35n * MS), false, 'the expirations at 10, 20 and 30 ms signaled the timer once');
    assert.equal(t.signaled(39n * MS), false);
    assert.equal(t.signaled(40n * MS), true);
    t.acquire();
    assert.equal(t.due, 50n * MS);
  });

  test('a manual-reset periodic timer stays signaled across waits until it is set again', () => {
    const t = new WaitableTimer(true);
    t.set(10n * MS, 10n * MS);
    assert.equal(t.signaled(10n * MS), true);
    t.acquire();
    assert.equal(t.signaled(11n * MS), true);
    t.set(30n * MS, 0n);
    assert.equal(t.signaled(11n * MS), false);
  });

  test('cancelling keeps the signaled state an expiration already set, and stops further expirations', () => {
    const t = new WaitableTimer(false);
    t.set(10n * MS, 10n * MS);
    t.cancel(15n * MS);
    assert.equal(t.signaled(15n * MS), true);
    t.acquire();
    assert.equal(t.signaled(100n * MS), false);
  });

  test('a one-shot synchronization timer signals once', () => {
    const t = new WaitableTimer(false);
    t.set(10n * MS, 0n);
    assert.equal(t.signaled(9n * MS), false);
    assert.equal(t.signaled(10n * MS), true);
    t.acquire();
    assert.equal(t.signaled(1000n * MS), false);
    assert.equal(t.due, undefined);
  });
});
