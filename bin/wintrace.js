#!/usr/bin/env node
// Launcher: wintrace is TypeScript run directly through tsx (no build step), so `npm link`/`npx wintrace` work.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
