// The second half of `npm run build`: bundles tsc's dist/cli/main.js with Ink, React, yoga and yargs into one file,
// dist/wintrace.cjs, which bin/wintrace.js runs. Node's ESM loader resolves, reads and links each module file
// separately, and Ink alone brings ~580 of them: the bundle starts the demo's TUI in about half the time
// (docs/benchmarks.md, "TUI start-up: the bundle").
//
// Left outside the bundle: native addons (koffi; msgpackr-extract, which msgpackr requires if it is installed) and
// Capstone (a WASM file it loads beside itself). Our own modules that find files through import.meta.url
// (build/native/, .cache/unicorn, fixtures/, package.json) are given the URL of their twin in dist/, so each resolves
// its paths as it does unbundled, at any depth. The line caches (src/tui/ink-line-cache.ts) patch Ink's Output class, which Ink
// does not export: the bundle imports the very file Ink's renderer imports, so the patched class is the one drawn
// with.

import { build, type Plugin } from 'esbuild';
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { narrowPattern, narrowRanges, withNarrowFastPath } from './narrow-text.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'wintrace.cjs');

const INK_OUTPUT_LOADER = join(DIST, 'tui', 'ink-output.js');
let inkOutputReplaced = 0;
const REACT = /[\\/]node_modules[\\/](react|react-reconciler|scheduler)[\\/]/;

/** Each bundled module keeps its own import.meta.url: the URL of its file (our twin in dist/, or the dependency's
 * file in node_modules), relative to the bundle, so paths found through it (build/native/, package.json, yargs'
 * locales) are those found unbundled. */
const ownLocations: Plugin = {
  name: 'wintrace-module-locations',
  setup(b) {
    b.onLoad({ filter: /\.m?js$/ }, (args) => {
      if (args.path === INK_OUTPUT_LOADER) {
        inkOutputReplaced++;
        const output = join(dirname(createRequire(INK_OUTPUT_LOADER).resolve('ink')), 'output.js');
        return { contents: `import Output from ${JSON.stringify(output)};\nexport async function loadInkOutput() { return Output; }\n`, loader: 'js', resolveDir: dirname(args.path) };
      }
      let text = readFileSync(args.path, 'utf8');
      const before = text;
      text = withoutTopLevelAwait(args.path, text);
      if (args.path === STRING_WIDTH) {
        stringWidthPatched++;
        text = withNarrowFastPath(text, narrow);
      }
      // React's production build, which `wintrace tui` selects anyway (NODE_ENV, src/cli/commands/tui.ts): the
      // development build left out is 0.8 MB of the bundle to parse at every start of every command.
      if (REACT.test(args.path)) text = text.replaceAll('process.env.NODE_ENV', '"production"');
      if (text.includes('import.meta.url')) {
        const own = relative(dirname(OUT), args.path).split(sep).join('/');
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, __wintraceUrl).href`);
      }
      return text === before ? undefined : { contents: text, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * A script cannot wait at its top level, and two of the bundled modules do, each for something a synchronous call
 * gives as well: yoga instantiates its WASM (embedded as base64, 90 KB: compiled at once in a few ms) and Ink's
 * reconciler imports its devtools (react-devtools-core, not installed, and ws) only when DEV=true: in their place
 * the error of a missing react-devtools-core, which Ink reports.
 */
function withoutTopLevelAwait(path: string, text: string): string {
  const swap = (from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`bundle: ${path} no longer contains ${JSON.stringify(from)}: its top-level await needs a new replacement`);
    text = text.replace(from, to);
  };
  if (/[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/.test(path)) {
    const binary = readFileSync(join(dirname(path), '../binaries/yoga-wasm-base64-esm.js'), 'utf8');
    const base64 = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(binary)?.[1];
    if (base64 === undefined) throw new Error('bundle: yoga\'s WASM is no longer embedded as base64');
    // Emscripten's instantiateWasm hook: given the instance at once, its module object is ready when loadYoga returns.
    swap('const Yoga = wrapAssembly(await loadYoga());', `const yogaModule = {
  instantiateWasm(imports, receive) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(${JSON.stringify(base64)}, 'base64')), imports);
    receive(instance);
    return instance.exports;
  },
};
loadYoga(yogaModule);
const Yoga = wrapAssembly(yogaModule);`);
  } else if (/[\\/]ink[\\/]build[\\/]reconciler\.js$/.test(path)) {
    swap("await import('./devtools.js');", ABSENT_DEVTOOLS);
    swap('? await loadPackageJson()', '? { name: undefined, version: undefined }');
  }
  return text;
}

const ABSENT_DEVTOOLS = "throw Object.assign(new Error(\"Cannot find package 'react-devtools-core' (not part of wintrace)\"), { code: 'ERR_MODULE_NOT_FOUND' });";

/** The string-width Ink measures text with (a nested older copy serves wrap-ansi and yargs' help only). */
// esbuild reports resolved paths: a symlinked node_modules (a git worktree, pnpm) must compare as its target.
const STRING_WIDTH = realpathSync(join(ROOT, 'node_modules', 'string-width', 'index.js'));
const narrow = narrowPattern(narrowRanges(((await import(pathToFileURL(STRING_WIDTH).href)) as { default: (s: string) => number }).default));
let stringWidthPatched = 0;

const result = await build({
  entryPoints: [join(DIST, 'cli', 'main.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  // A script, not an ES module: Node 20 keeps no compiled code for ES modules between runs, but a script's V8 code
  // cache (bin/code-cache.js) takes ~30 % off the TUI's start (docs/benchmarks.md, "TUI start-up: the code cache").
  format: 'cjs',
  target: 'node20',
  external: ['koffi', 'msgpackr-extract', '@alexaltea/capstone-js'],
  // The bundle's own URL, from which each module's import.meta.url is made (a script has no import.meta).
  banner: { js: "const __wintraceUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [ownLocations],
  logLevel: 'warning',
  metafile: true,
});
if (stringWidthPatched !== 1) throw new Error(`bundle: ${STRING_WIDTH} was given its fast path ${stringWidthPatched} times, not once`);
if (inkOutputReplaced !== 1) throw new Error(`bundle: dist/tui/ink-output.js was replaced ${inkOutputReplaced} times, not once: the TUI's line caches would patch a copy of Ink's Output that draws nothing`);
const inputs = Object.keys(result.metafile.inputs);
if (!inputs.some((p) => p.endsWith('node_modules/ink/build/output.js'))) throw new Error('bundle: Ink\'s output.js is not in the bundle');
