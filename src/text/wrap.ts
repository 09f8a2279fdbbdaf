// Prose cut into lines of a width at spaces, for a pane that shows a long explanation whole rather than cut off.

/** Lines of at most `width` characters; a word longer than that is split across lines. */
export function wrapWords(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let rest = word;
    if (line && line.length + 1 + rest.length <= w) {
      line += ` ${rest}`;
      continue;
    }
    if (line) out.push(line);
    while (rest.length > w) {
      out.push(rest.slice(0, w));
      rest = rest.slice(w);
    }
    line = rest;
  }
  if (line) out.push(line);
  return out;
}
