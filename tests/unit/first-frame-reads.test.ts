// What the TUI's first frame reads: not every segment of the trace. The registers pane flags an X18 that is not
// the thread's TEB; it once found the TEB through Trace.threads(), which reads every segment's events (on a 51M-step
// trace 1 s of a 1.7 s start-up). Trace.tebOf answers from the header for the threads there at the start.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Replay } from '../../src/replayer/replay.ts';
import { registersView } from '../../src/replayer/view.ts';
import { ROOT } from '../helpers/fixtures.ts';
import { startTui } from '../helpers/tui-app.ts';

const TRACE = join(ROOT, 'traces/first-thread.mp');

test('the registers at the start and the first frame of the TUI read no segment events', async () => {
  const r = Replay.open(TRACE);
  try {
    const view = registersView(r, 0);
    assert.equal(view.rows.find((x) => x.slot === 18)?.flag, undefined);
    assert.equal(r.trace.eventsLoaded, false, 'registersView read the events');
    const h = await startTui(r, 0, { lazyMs: 60_000 });
    assert.match(h.frame(), / 0\/\d+ /);
    h.unmount();
    assert.equal(r.trace.eventsLoaded, false, 'the first frame read the events');
  } finally {
    r.close();
  }
});

test('tebOf agrees with threads() for every thread, the ones created later included', () => {
  const r = Replay.open(TRACE);
  try {
    const threads = r.trace.threads();
    assert.ok(threads.some((t) => t.createdAt !== undefined), 'the trace creates a thread');
    for (const t of threads) assert.equal(r.trace.tebOf(t.tid), t.teb, `thread 0x${t.tid.toString(16)}`);
    assert.equal(r.trace.tebOf(0x7fff_fff0), undefined);
  } finally {
    r.close();
  }
});
