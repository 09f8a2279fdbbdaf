// Text for the user's terminal (src/text/terminal.ts): what a name from a guest or a file may hold must come out
// inert and reading as what it is, and --json must still give back the exact string.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WintraceError } from '../../src/errors.ts';
import { escapeControl, jsonText, terminalText } from '../../src/text/terminal.ts';

/** Bidi marks, embeddings, overrides and isolates, and the line and paragraph separators. */
const INVISIBLE = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u2028', '\u2029'];

describe('terminal text', () => {
  test('C0, DEL and C1 controls show as \\xNN', () => {
    assert.equal(escapeControl('a\x1b]0;t\x07\r\n\x7f\x9bb'), 'a\\x1b]0;t\\x07\\x0d\\x0a\\x7f\\x9bb');
  });

  test('a bidi override cannot make a name read as another: each invisible reordering or line-ending character shows as \\uNNNN', () => {
    // Shown raw, `main.\u202etxt.exe` reads as `main.exe.txt` on a terminal that implements bidi.
    assert.equal(escapeControl('main.\u202etxt.exe'), 'main.\\u202etxt.exe');
    for (const ch of INVISIBLE) assert.equal(escapeControl(`a${ch}b`), `a\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}b`);
    assert.equal(terminalText(['x\u2028y', '\u2066z\u2069']), 'x\\u2028y\n\\u2066z\\u2069\n');
  });

  test('printable text of any script, wide characters and emoji pass unchanged', () => {
    for (const s of ['漢字', 'é\u0301', '🙂', '\u200b\u200d', 'ok']) assert.equal(escapeControl(s), s);
  });

  test('an error message quoting such a name stays one line that reads as it is', () => {
    assert.equal(new WintraceError('GetProcAddress \u202eexe.\u2029x', 6).message, 'GetProcAddress \\u202eexe.\\u2029x');
  });

  test('--json writes them as \\uNNNN escapes and parses back to the exact string', () => {
    const s = `n\x1b\x85${INVISIBLE.join('')}🙂`;
    const json = jsonText(JSON.stringify({ s }));
    assert.doesNotMatch(json, /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
    assert.deepEqual(JSON.parse(json), { s });
  });
});
