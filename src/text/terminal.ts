// Every text view (dump, events, show, episodes, check, diff, the TUI) prints strings that came from a guest or a
// file: API names a program passed to GetProcAddress, import and DLL names, symbol names, the program's path and
// command line, exception reasons, file names in a mount. A control character among them is an instruction to the
// user's terminal: ESC ] 0 ; ... BEL retitles the window, ESC [2J clears it, CR and LF forge lines that seem to be
// wintrace's own. So each line a view prints passes through here once, at the point it is written, rather than
// each name being escaped where it is read (JSON output keeps the exact strings: JSON escapes C0 controls itself).

/**
 * C0 controls, DEL and the C1 controls (U+0080-U+009F: U+009B is CSI to a terminal that honours 8-bit controls)
 * shown as \xNN, so a line stays one inert line whatever the strings in it hold.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
const HAS_CONTROL = /[\x00-\x1f\x7f-\x9f]/;

export function escapeControl(text: string): string {
  return HAS_CONTROL.test(text) ? text.replace(CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`) : text;
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

/**
 * JSON text with DEL and the C1 controls written as \u00XX: JSON.stringify escapes only C0, and the parsed strings
 * stay exactly what the trace holds (those characters can only occur inside JSON strings).
 */
export function jsonText(json: string): string {
  return /[\x7f-\x9f]/.test(json) ? json.replace(/[\x7f-\x9f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}
