// Whether a checkout's built bundle is older than its sources: then the installed command (bin/wintrace.js) runs
// code that is no longer on disk and says so, and the tests run src/ instead (tests/helpers/bin.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';

/** The first source file under `root`/src newer than `bundle`, or undefined (also when there is no src/, as in an
 * install without the sources). One stat per source, ~9 ms: the bundle is written after every file tsc compiles, so
 * it alone stands for dist/. */
export function newerSource(root, bundle) {
  const src = `${root}src/`;
  if (!existsSync(src) || !existsSync(bundle)) return undefined;
  const builtAt = statSync(bundle).mtimeMs;
  return readdirSync(src, { recursive: true }).find((f) => /\.tsx?$/.test(f) && statSync(`${src}${f}`).mtimeMs > builtAt);
}
