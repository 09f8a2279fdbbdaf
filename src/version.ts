import { readFileSync } from 'node:fs';

/** wintrace's version, from package.json, so the CLI and trace headers never disagree. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
