// A terminal smaller than the TUI needs is told what size it needs instead of getting garbled panes, and the
// panes come back at the smallest size that fits.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Replay } from '../../src/replayer/replay.ts';
import { dispatchTraceForTests } from '../helpers/dispatch-trace.ts';
import { startTui } from '../helpers/tui-app.ts';

const trace = dispatchTraceForTests();
let r: Replay;

before(() => {
  r = trace();
});

test('at 60x20 the screen says the size it needs, in lines no wider than the terminal', async () => {
  const h = await startTui(r, 0, { width: 60, height: 20 });
  try {
    const f = h.frame();
    assert.match(f.replace(/\s+/g, ' '), /wintrace tui needs a terminal of at least 80x24; this one is 60x20\. Enlarge it, or press q to quit\./);
    for (const line of f.split('\n')) assert.ok(line.length <= 60, `wider than 60: ${JSON.stringify(line)}`);
    assert.doesNotMatch(f, /disassembly|registers/);
  } finally {
    h.unmount();
  }
});

test('at 80x24 every pane is drawn in 24 lines of at most 80 columns', async () => {
  const h = await startTui(r, 0, { width: 80, height: 24 });
  try {
    const lines = h.frame().split('\n');
    assert.ok(lines.length <= 24, `${lines.length} lines`);
    for (const line of lines) assert.ok(line.length <= 80, `wider than 80: ${JSON.stringify(line)}`);
    assert.match(h.frame(), /disassembly/);
    assert.equal(h.position(), 0);
  } finally {
    h.unmount();
  }
});
