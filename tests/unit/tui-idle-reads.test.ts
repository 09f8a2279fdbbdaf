// What the TUI reads in its first idle moments after the first frame: the events, then the episodes, so the first
// p, P or 7 does not find them itself (2.2 s on a 51M-step trace, measured by bench/tui.ts), and a key already
// pressed is not kept waiting for both.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Replay } from '../../src/replayer/replay.ts';
import { ROOT } from '../helpers/fixtures.ts';
import { startTui } from '../helpers/tui-app.ts';

const TRACE = join(ROOT, 'traces/first-thread.mp');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('after the first frame, the App finds the events and then the episodes with no key pressed', async () => {
  const r = Replay.open(TRACE);
  try {
    const h = await startTui(r, 0, { lazyMs: 60_000 });
    for (let t = Date.now(); !r.episodesLoaded && Date.now() - t < 20_000;) await sleep(20);
    assert.equal(r.trace.eventsLoaded, true, 'the events were read');
    assert.equal(r.episodesLoaded, true, 'the episodes were found');
    await h.waitFor((f) => !f.includes('reading the'));
    const before = performance.now();
    r.episodes();
    assert.ok(performance.now() - before < 5, 'p finds the episodes already there');
    h.unmount();
  } finally {
    r.close();
  }
});

// Finding the episodes reads only the segments holding their kinds of event (the footer index), not every event:
// both are read beforehand here.
test('with the events read and the episodes already found, the App does not announce reading them again', async () => {
  const r = Replay.open(TRACE);
  try {
    r.episodes();
    r.trace.events();
    const h = await startTui(r, 0, { lazyMs: 60_000 });
    await sleep(800);
    assert.ok(h.frames.every((f) => !f.includes('reading the')), 'no note about reading');
    h.unmount();
  } finally {
    r.close();
  }
});
