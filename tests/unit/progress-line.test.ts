// The recording progress line and the guest's console output on one terminal: the line is cleared before the
// guest writes and stays away while the guest's line is unfinished, so neither runs into the other.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressLine } from '../../src/cli/progress.ts';

function terminal() {
  const out: string[] = [];
  let t = 0;
  const line = progressLine('recording', { isTTY: true, write: (s: string) => out.push(s) }, () => (t += 1000));
  const guest = line.around((b) => out.push(Buffer.from(b).toString()));
  return { out, line, guest };
}

test('guest output starts on a cleared line and the progress line comes back after a whole guest line', () => {
  const { out, line, guest } = terminal();
  line.update('1k instructions');
  guest(Buffer.from('hello\n'));
  line.update('2k instructions');
  assert.deepEqual(out, ['\r\x1b[Krecording: 1k instructions', '\r\x1b[K', 'hello\n', '\r\x1b[Krecording: 2k instructions']);
});

test('no progress line in the middle of a guest line', () => {
  const { out, line, guest } = terminal();
  guest(Buffer.from('enter a number: '));
  line.update('1k instructions');
  guest(Buffer.from('42\n'));
  line.update('2k instructions');
  line.done();
  assert.deepEqual(out, ['enter a number: ', '42\n', '\r\x1b[Krecording: 2k instructions', '\r\x1b[K']);
});

test('not a terminal: the guest output passes through untouched and no line is drawn', () => {
  const out: string[] = [];
  const line = progressLine('recording', { isTTY: false, write: (s: string) => out.push(s) });
  line.update('1k');
  line.around((b) => out.push(Buffer.from(b).toString()))(Buffer.from('x'));
  line.done();
  assert.deepEqual(out, ['x']);
});
