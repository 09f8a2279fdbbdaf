// Ink's Output class, which Ink does not export (its package exports only its index): found beside Ink's main
// file at run time. The bundle the installed command runs (scripts/bundle.ts) replaces this module with a static
// import of that same file, so that ink-line-cache.ts patches the copy of Output the bundled Ink draws with, not a
// second copy loaded from node_modules.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function loadInkOutput(): Promise<unknown> {
  const inkMain = createRequire(import.meta.url).resolve('ink');
  return ((await import(pathToFileURL(join(dirname(inkMain), 'output.js')).href)) as { default: unknown }).default;
}
