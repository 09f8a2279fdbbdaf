// Ink's (input, key) pairs to key tokens. A held key or a paste arrives as one string of several characters
// ("ssss", "1234\r"): each character is a key of its own, so nothing typed is lost or misread.

import type { Key } from 'ink';

const CHAR_TOKENS: Record<string, string> = { '\r': 'enter', '\n': 'enter', '\t': 'tab', '\x7f': 'backspace', '\b': 'backspace', '\x1b': 'escape', '\x03': 'ctrl-c' };

export function keyTokens(input: string, key: Key): string[] {
  if (key.upArrow) return ['up'];
  if (key.downArrow) return ['down'];
  if (key.leftArrow) return ['left'];
  if (key.rightArrow) return ['right'];
  if (key.pageUp) return ['pageup'];
  if (key.pageDown) return ['pagedown'];
  if (key.tab) return [key.shift ? 'shift-tab' : 'tab'];
  if (key.return) return ['enter'];
  if (key.escape) return ['escape'];
  if (key.backspace || key.delete) return ['backspace'];
  if (key.ctrl) return input === 'c' ? ['ctrl-c'] : [];
  if (key.meta) return [];
  return [...input].map((ch) => CHAR_TOKENS[ch] ?? ch).filter((t) => t.length > 1 || t >= ' ');
}
