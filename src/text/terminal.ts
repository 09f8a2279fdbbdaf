// Every text view (dump, events, show, episodes, check, diff, the TUI) prints strings that came from a guest or a
// file: API names a program passed to GetProcAddress, import and DLL names, symbol names, the program's path and
// command line, exception reasons, file names in a mount. A control character among them is an instruction to the
// user's terminal: ESC ] 0 ; ... BEL retitles the window, ESC [2J clears it, CR and LF forge lines that seem to be
// wintrace's own. So each line a view prints passes through here once, at the point it is written, rather than
// each name being escaped where it is read (JSON output keeps the exact strings: JSON escapes C0 controls itself).

/**
 * C0 controls, DEL and the C1 controls (U+0080-U+009F: U+009B is CSI to a terminal that honours 8-bit controls)
 * shown as \xNN; and as \uNNNN the invisible characters that change how a line reads or where it ends: the bidi
 * marks, embeddings, overrides and isolates (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069; a name holding
 * U+202E shows the rest of the line reversed, so `main.\u202etxt.exe` reads as `main.exe.txt`) and the line and
 * paragraph separators U+2028-U+2029. A line stays one inert line, reading as what it holds.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const HAS_CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

function escaped(ch: string): string {
  const c = ch.charCodeAt(0);
  return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

export function escapeControl(text: string): string {
  return HAS_CONTROL.test(text) ? text.replace(CONTROL, escaped) : text;
}

/** Lines for a terminal or a pipe: each escaped, each ended by a newline ('' for none). */
export function terminalText(lines: Iterable<string>): string {
  let out = '';
  for (const line of lines) out += `${escapeControl(line)}\n`;
  return out;
}

/** Writes lines to stdout as terminalText makes them. */
export function printLines(lines: Iterable<string>): void {
  const text = terminalText(lines);
  if (text) process.stdout.write(text);
}

/** What JSON.stringify leaves raw of CONTROL: all of it but C0. */
const JSON_RAW = /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const HAS_JSON_RAW = /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/**
 * JSON text with DEL, the C1 controls and the invisible characters escapeControl shows written as \uXXXX:
 * JSON.stringify escapes only C0, and the parsed strings stay exactly what the trace holds (those characters can
 * only occur inside JSON strings).
 */
export function jsonText(json: string): string {
  return HAS_JSON_RAW.test(json) ? json.replace(JSON_RAW, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}
