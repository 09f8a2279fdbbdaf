#!/usr/bin/env node
// The command line run from src/ through tsx, for development, the tests and the scripts: the code on disk without
// `npm run build`. The installed command (bin/wintrace.js) never does this; it runs the built dist/. The checkout's
// own tsconfig is named explicitly (not looked up from the current directory), so it works from anywhere.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const root = fileURLToPath(new URL('../', import.meta.url));
register({ tsconfig: `${root}tsconfig.json` });
await import(pathToFileURL(`${root}src/cli/main.ts`).href);
