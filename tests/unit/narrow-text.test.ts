// The bundle's string-width (scripts/narrow-text.ts: a fast path for strings of narrow characters in front of the
// original) measures every string as the original does, and takes the fast path for the characters the TUI draws.

import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { narrowPattern, narrowRanges, withNarrowFastPath } from '../../scripts/narrow-text.ts';
import { ROOT } from '../helpers/fixtures.ts';

type Width = (s: unknown, options?: { ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean }) => number;
const STRING_WIDTH = join(ROOT, 'node_modules', 'string-width', 'index.js');
const dir = mkdtempSync(join(tmpdir(), 'wintrace-narrow-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let real: Width;
let fast: Width;
let pattern: string;

before(async () => {
  real = ((await import(pathToFileURL(STRING_WIDTH).href)) as { default: Width }).default;
  pattern = narrowPattern(narrowRanges(real as (s: string) => number));
  // The patched module, its imports pointed at the packages string-width itself resolves.
  const resolve = createRequire(STRING_WIDTH).resolve;
  // Counting the calls that reach the original: the fast path's gain is that the TUI's strings do not.
  const source = withNarrowFastPath(readFileSync(STRING_WIDTH, 'utf8'), pattern)
    .replace(/from '([^']+)';/g, (_m, name: string) => `from ${JSON.stringify(pathToFileURL(resolve(name)).href)};`)
    .replace('original ??= load();', 'globalThis.wintraceSlowWidths = (globalThis.wintraceSlowWidths ?? 0) + 1;\n  original ??= load();');
  assert.notEqual(source.indexOf('wintraceSlowWidths'), -1);
  const file = join(dir, 'string-width-narrow.mjs');
  writeFileSync(file, source);
  fast = ((await import(pathToFileURL(file).href)) as { default: Width }).default;
});

/** A deterministic generator (xorshift32): the same strings on every run. */
function strings(seed: number, count: number, alphabet: readonly string[]): string[] {
  let x = seed;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]!).join(''));
}

describe("the bundle's string-width", () => {
  test('takes the fast path for what the TUI draws: box drawing, arrows, dots, ellipsis, Latin-1, colours', () => {
    const slow = () => (globalThis as { wintraceSlowWidths?: number }).wintraceSlowWidths ?? 0;
    const before = slow();
    // As Ink hands them over: with their colours.
    for (const s of ['│ x0  0x0 ─', '→ ← ↑ ↓', '· • …', '▶ ▸ ■ □ ●', 'café façade ±×÷°', '┌─┬─┐└─┴─┘', '\x1b[2m│\x1b[22m', '\x1b[32m=>\x1b[39msp+0  \x1b[38;5;12m·\x1b[m']) {
      assert.equal(fast(s), real(s), s);
    }
    assert.equal(slow(), before, 'none reached the original string-width');
    fast('e\u0301');
    assert.equal(slow(), before + 1);
  });

  test('keeps out of it what is not one column per character', () => {
    const re = new RegExp(pattern);
    for (const s of ['e\u0301', '\u200d', '\ufe0f', '漢', '한', '\u1100', '😀', '\u231a', '\t', '\x1b[31m', '\u00ad', '\u0600']) assert.ok(!re.test(s), JSON.stringify(s));
  });

  test('measures every character of the BMP as the original does, alone and after a narrow one', () => {
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCharCode(cp);
      assert.equal(fast(c), real(c), `U+${cp.toString(16)}`);
      assert.equal(fast(`│${c}`), real(`│${c}`), `│ U+${cp.toString(16)}`);
    }
  });

  test('measures mixed strings, options and non-strings as the original does', () => {
    const alphabet = ['a', ' ', '│', '─', '→', '·', '…', 'é', 'e\u0301', '\u0301', '\u200d', '\ufe0f', '❤', '😀', '👩\u200d💻', '漢', '한', '\u1100\u1161', '🇫🇷', '\x1b[1m', '\x1b[0m', '\x1b[38;5;12m', '\x1b[m', '\x1b[12345m', '\x1b[1;2;3;4;5;6m', '\x1b[?25l', '\x1b]0;title\x07', '\x9b31m', '\x1b', '[', 'm', '\x07', '\t', '\n', '\u00ad', '\u0915\u094d\u0937'];
    for (const s of strings(0x5eed, 5000, alphabet)) {
      assert.equal(fast(s), real(s), JSON.stringify(s));
      assert.equal(fast(s, { ambiguousIsNarrow: false }), real(s, { ambiguousIsNarrow: false }), `wide ambiguous: ${JSON.stringify(s)}`);
      assert.equal(fast(s, { countAnsiEscapeCodes: true }), real(s, { countAnsiEscapeCodes: true }), `escapes counted: ${JSON.stringify(s)}`);
    }
    for (const x of [undefined, 42, '', null]) assert.equal(fast(x), real(x));
  });
});
