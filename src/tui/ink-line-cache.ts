// Ink turns every line of every frame into styled characters (tokenizing its escape sequences, measuring each
// character) and forgets them when the frame is written: at 80x24 that is most of a frame's time. Between two
// frames of a debugger most lines are the same (registers that did not change, the disassembly scrolled by a
// line, the side pane), so the TUI keeps Ink's per-line caches across frames, bounded. Ink's own objects are
// reused as they are (it only reads them); if a later Ink no longer has these caches this does nothing.

import { loadInkOutput } from './ink-output.ts';

interface OutputCachesProto {
  getStyledChars(line: string): unknown;
  getStringWidth(text: string): number;
}

let installed = false;

/** Keeps Ink's line caches across frames (at most `maxLines` lines each); false if this Ink has none to keep. */
export async function keepInkLineCaches(maxLines = 8192): Promise<boolean> {
  if (installed) return true;
  try {
    const Output = (await loadInkOutput()) as new (o: { width: number; height: number }) => { caches?: object };
    const caches = new Output({ width: 1, height: 1 }).caches;
    const proto = caches && (Object.getPrototypeOf(caches) as OutputCachesProto);
    if (!proto || typeof proto.getStyledChars !== 'function' || typeof proto.getStringWidth !== 'function') return false;
    const keep = <T>(original: (this: unknown, key: string) => T) => {
      const kept = new Map<string, T>();
      return function (this: unknown, key: string): T {
        let v = kept.get(key);
        if (v === undefined) {
          v = original.call(this, key);
          if (kept.size >= maxLines) kept.clear();
          kept.set(key, v);
        }
        return v;
      };
    };
    proto.getStyledChars = keep(proto.getStyledChars);
    proto.getStringWidth = keep(proto.getStringWidth);
    installed = true;
    return true;
  } catch {
    return false;
  }
}
