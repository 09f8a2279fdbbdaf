// A fast path for string-width in the bundle (scripts/bundle.ts). Ink measures every text node with string-width,
// which sends any line holding a character beyond ASCII (the TUI's box drawing, arrows, dots) through
// Intl.Segmenter and three Unicode-property regexes: 44 of the demo's first frame's ~100 ms of rendering, plus 22 ms
// to build the segmenter and regexes when the bundle loads (docs/benchmarks.md, "TUI start-up: the code cache").
//
// A string made only of "narrow" characters has a width equal to its length. A character is narrow when
// string-width itself gives it width 1 and Intl.Segmenter keeps it a grapheme cluster of its own beside ASCII and
// beside itself (so it neither extends, precedes, nor pairs with a neighbour: no marks, joiners, prepends, Hangul
// jamo, regional indicators). Sums over clusters are what string-width returns, so any string of them measures its
// length. The set is computed here, at build time, with the string-width and ICU of the Node that builds (and then
// runs) the bundle; tests/unit/narrow-text.test.ts holds the patched module to the real one.

/** The ranges `[first, last]` of narrow BMP characters beyond ASCII, as `stringWidth` and `segmenter` judge them. */
export function narrowRanges(stringWidth: (s: string) => number, segmenter: Intl.Segmenter = new Intl.Segmenter()): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let cp = 0xa0; cp <= 0xffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCharCode(cp);
    if (stringWidth(c) !== 1) continue;
    let clusters = 0;
    for (const _ of segmenter.segment(`a${c}${c}a`)) clusters++;
    if (clusters !== 4) continue;
    const last = ranges.at(-1);
    if (last !== undefined && last[1] === cp - 1) last[1] = cp;
    else ranges.push([cp, cp]);
  }
  return ranges;
}

const u = (cp: number) => `\\u${cp.toString(16).padStart(4, '0')}`;

/** The regex source `^[...]*$` matching strings of printable ASCII and the narrow characters. */
export function narrowPattern(ranges: ReadonlyArray<[number, number]>): string {
  return `^[\\u0020-\\u007e${ranges.map(([a, b]) => (a === b ? u(a) : `${u(a)}-${u(b)}`)).join('')}]*$`;
}

const EXPORT = 'export default function stringWidth(input, options = {}) {';

/**
 * string-width's index.js with the fast path in front: a narrow string measures its length at once; anything else
 * goes to the original function, whose segmenter and regexes are built on that first call instead of at load.
 * Ink measures text with its colours in it, so SGR sequences (`ESC [ digits;... m`) are taken out first, as
 * strip-ansi would: at an `ESC [` only its CSI form can match, and it ends at the same `m`. A string with any other
 * escape keeps one ESC after that and goes to the original.
 */
export function withNarrowFastPath(source: string, pattern: string): string {
  const lines = source.split('\n');
  const imports = lines.filter((l) => /^import .* from '[^']+';$/.test(l));
  const body = lines.filter((l) => !imports.includes(l)).join('\n');
  if (imports.length === 0 || !body.includes(EXPORT) || /\bexport\b/.test(body.replace(EXPORT, ''))) {
    throw new Error(`string-width's index.js no longer has the shape the fast path wraps (imports, then one '${EXPORT}')`);
  }
  return `${imports.join('\n')}
const NARROW = new RegExp(${JSON.stringify(pattern)});
let original;
const SGR = /\x1b\[[0-9;]*m/g;
export default function stringWidth(input, options = {}) {
  if (typeof input === 'string' && options.ambiguousIsNarrow !== false) {
    const text = options.countAnsiEscapeCodes || !input.includes('\x1b') ? input : input.replace(SGR, '');
    if (NARROW.test(text)) return text.length;
  }
  original ??= load();
  return original(input, options);
}
function load() {
${body.replace(EXPORT, 'function stringWidth(input, options = {}) {')}
return stringWidth;
}
`;
}
