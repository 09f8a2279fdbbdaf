// Hostile text for the hostile-strings fuzz kind: strings a guest program or a trace file could hold, built from
// what a terminal obeys (ESC and C1 sequences, CR, LF, BEL, NUL), what disguises text (bidi overrides and isolates,
// line separators, zero-width and combining characters, wide characters), what is not text at all (lone surrogates,
// byte sequences that are not UTF-8) and sheer length. Every choice comes from the case's generator, so a failing
// case replays exactly.
//
// A JS string cannot hold bytes that are not UTF-8, but a trace file can: such a sequence is written as a
// placeholder of ASCII letters as long as the bytes, and the file's bytes are swapped afterwards (the frames are
// stored uncompressed for that, and their checksums recomputed).

import type { Rng } from './rng.ts';

/** Sequences with an effect on a terminal or on how a line reads, each a piece a string is built from. */
export const HOSTILE_PIECES: readonly string[] = [
  '\x1b]0;pwned\x07', // OSC 0: retitle the window (BEL-terminated)
  '\x1b]2;title\x1b\\', // OSC 2, ST-terminated
  '\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\', // OSC 8 hyperlink
  '\x1b]52;c;cHduZWQ=\x07', // OSC 52: set the clipboard
  '\x1b[2J', '\x1b[3J', '\x1b[H', '\x1bc', '\x1b[1A\x1b[2K', '\x1b[31;1m', '\x1b[0m', '\x1b[?1049h', '\x1b[8m',
  '\x1b[6n', // DSR: the terminal answers on the user's input
  '\x1bP+q544e\x1b\\', '\x1b_apc\x1b\\', '\x1b^pm\x1b\\', '\x1b7', '\x1b8',
  '\x9b2J', '\x9d0;title\x9c', '\x90q\x9c', '\x85', '\x8d', '\x9b6n',
  '\r', '\n', '\r\n', '\n\n', '\x07', '\x00', '\x08\x08\x08\x08', '\x7f', '\t', '\x0b', '\x0c', '\x1a', '\x18',
  '\u2028', '\u2029', '\u202e', '\u202d', '\u202a', '\u202b', '\u202c', '\u2066', '\u2067', '\u2068', '\u2069',
  '\u200e', '\u200f', '\u061c', '\u2067evil\u2069', '\u202etxt.exe',
  '\ufeff', '\u200b', '\u200d', '\u0301\u0301\u0301', '漢字', '🙂', '\ud83d\ude00', '\uffff', '\ufffd',
  'FORGED LINE', '\nwintrace: internal error\n', '"}', '\\', '\\x1b', '%s%n%p', '$(id)', '`id`', '../../etc/passwd',
  '!', 'kernel32.dll!', '+0x10', '\u0000\u0000',
];

/** Byte sequences no UTF-8 decoder may accept as they are: overlong, surrogate, beyond U+10FFFF, cut, stray. */
const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xff], [0xfe], [0x80], [0xbf], [0xc0, 0x80], [0xc0, 0x9b], [0xc1, 0x8a], [0xe0, 0x80, 0x9b], [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc2], [0xe2, 0x80], [0xe2, 0x80, 0xc2],
  [0xf0, 0x9f, 0x99], [0xc2, 0x1b], [0xe2, 0x80, 0x0a],
];

/** Length of a placeholder: every invalid sequence is padded with ASCII to it. */
const PLACEHOLDER = 10;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_LENGTH = 300_000;

function randomChar(rng: Rng): string {
  switch (rng.below(6)) {
    case 0: return String.fromCharCode(rng.below(0x20)); // C0
    case 1: return String.fromCharCode(0x7f + rng.below(0x21)); // DEL and C1
    case 2: return String.fromCharCode(0x20 + rng.below(0x5f)); // printable ASCII
    case 3: return String.fromCharCode(0xd800 + rng.below(0x800)); // a lone surrogate
    case 4: return String.fromCodePoint(0x10000 + rng.below(0x100000)); // astral
    default: return String.fromCharCode(rng.below(0x10000)); // anything in the BMP
  }
}

export class HostileText {
  /** Placeholder → the bytes that replace it in the trace file (as long as the placeholder). */
  readonly swaps = new Map<string, Uint8Array>();
  private tags = 0;

  constructor(private readonly rng: Rng) {}

  /** A placeholder for one invalid UTF-8 sequence, padded to PLACEHOLDER bytes. */
  private invalid(): string {
    const bytes = new Uint8Array(PLACEHOLDER).fill(0x78); // 'x'
    bytes.set(this.rng.pick(INVALID_UTF8));
    let p = '';
    while (p.length < PLACEHOLDER || this.swaps.has(p)) p = Array.from({ length: PLACEHOLDER }, () => String.fromCharCode(0x41 + this.rng.below(26))).join('');
    this.swaps.set(p, bytes);
    return p;
  }

  private piece(): string {
    const r = this.rng;
    const k = r.below(100);
    if (k < 45) return r.pick(HOSTILE_PIECES);
    if (k < 65) return Array.from({ length: r.between(1, 6) }, () => randomChar(r)).join('');
    if (k < 75) return this.invalid();
    if (k < 88) return Array.from({ length: r.between(1, 12) }, () => String.fromCharCode(0x21 + r.below(0x5e))).join('');
    if (k < 97) return r.pick(['e\u0301', '漢', '🙂', '\u200b']).repeat(r.between(1, 40)); // wide, combining, invisible
    // Length: a piece repeated, or a long printable run, so a line runs to hundreds of kilobytes.
    if (k < 99) return r.pick(HOSTILE_PIECES).repeat(r.between(50, 3000));
    return 'A'.repeat(r.between(1000, 100_000));
  }

  /**
   * One hostile string: empty now and then, else 1 to 8 pieces. A string that is not well-formed (a lone
   * surrogate, an invalid sequence) may decode to the same text as another such string, so it carries a tag
   * of its own: the benign twin of a trace (hostile-trace.ts) must name the same things apart as it does.
   */
  next(): string {
    if (this.rng.chance(0.04)) return '';
    const pieces = Array.from({ length: this.rng.between(1, 8) }, () => this.piece());
    let s = pieces.join('');
    if (s.length > MAX_LENGTH) s = s.slice(0, MAX_LENGTH);
    const invalid = [...this.swaps.keys()].some((p) => s.includes(p));
    if (invalid || LONE_SURROGATE.test(s)) {
      const at = this.rng.below(s.length + 1);
      s = `${s.slice(0, at)}~${this.tags++}~${s.slice(at)}`;
    }
    return s;
  }

  /** A host file name from a hostile string: no NUL or '/', no placeholder, at most 200 bytes of UTF-8. */
  fileName(): string {
    let s = this.next().replace(/[\0/]/g, '_');
    for (const p of this.swaps.keys()) s = s.split(p).join('?');
    s = s.slice(0, 200); // at most 4 bytes a character: then cut to 200 bytes
    while (Buffer.byteLength(s) > 200) s = s.slice(0, -1);
    return s === '' || s === '.' || s === '..' ? `${s}_` : s;
  }
}

/**
 * Swaps every placeholder in a trace file's bytes for its invalid sequence; returns whether any was found.
 * The frames must be stored uncompressed, and their checksums recomputed afterwards.
 */
export function swapPlaceholders(file: Buffer, swaps: ReadonlyMap<string, Uint8Array>): boolean {
  let found = false;
  for (const [p, bytes] of swaps) {
    const needle = Buffer.from(p, 'latin1');
    for (let at = file.indexOf(needle); at >= 0; at = file.indexOf(needle, at + needle.length)) {
      file.set(bytes, at);
      found = true;
    }
  }
  return found;
}

/**
 * What must never reach a terminal raw: C0 controls but LF, DEL, C1 controls, and the invisible characters that
 * reorder a line or end it (bidi embeddings, overrides, isolates and marks; U+2028 and U+2029). Written out here
 * rather than taken from src/text/terminal.ts, so that the check does not share a mistake with what it checks.
 */
export const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The same as bytes of UTF-8 output (a subprocess's stdout): its C0 controls, DEL, and C1 and the others encoded. */
export function rawByteAt(out: Buffer): number {
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!;
    if ((b < 0x20 && b !== 0x0a) || b === 0x7f) return i;
    if (b === 0xc2 && out[i + 1]! >= 0x80 && out[i + 1]! <= 0x9f) return i; // U+0080-U+009F
    if (b === 0xd8 && out[i + 1] === 0x9c) return i; // U+061C
    if (b === 0xe2 && out[i + 1] === 0x80 && [0x8e, 0x8f, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae].includes(out[i + 2]!)) return i;
    if (b === 0xe2 && out[i + 1] === 0x81 && out[i + 2]! >= 0xa6 && out[i + 2]! <= 0xa9) return i; // U+2066-U+2069
  }
  return -1;
}
