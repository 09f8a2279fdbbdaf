// The second half of `npm run build`: bundles tsc's dist/cli/main.js with Ink, React, yoga and yargs into one file,
// dist/wintrace.js, which bin/wintrace.js runs. Node's ESM loader resolves, reads and links each module file
// separately, and Ink alone brings ~580 of them: the bundle starts the demo's TUI in about half the time
// (docs/benchmarks.md, "TUI start-up: the bundle").
//
// Left outside the bundle: native addons (koffi, msgpackr's optional extract), Capstone (a WASM file it loads beside
// itself), and Ink's optional devtools. Our own modules that find files through import.meta.url (build/native/,
// .cache/unicorn, fixtures/, package.json) are given the URL of their twin in dist/, so each resolves its paths as
// it does unbundled, at any depth. The line caches (src/tui/ink-line-cache.ts) patch Ink's Output class, which Ink
// does not export: the bundle imports the very file Ink's renderer imports, so the patched class is the one drawn
// with.

import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'wintrace.js');

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
      // React's production build, which `wintrace tui` selects anyway (NODE_ENV, src/cli/commands/tui.ts): the
      // development build left out is 0.8 MB of the bundle to parse at every start of every command.
      if (REACT.test(args.path)) text = text.replaceAll('process.env.NODE_ENV', '"production"');
      if (text.includes('import.meta.url')) {
        const own = relative(dirname(OUT), args.path).split(sep).join('/');
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`);
      }
      return text === before ? undefined : { contents: text, loader: 'js', resolveDir: dirname(args.path) };
    });
    // Ink imports its devtools (react-devtools-core, not installed, and ws) only when DEV=true: in their place a
    // module that fails as a missing react-devtools-core does, which Ink reports.
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) => (/[\\/]ink[\\/]build$/.test(args.resolveDir) ? { path: 'ink-devtools', namespace: 'wintrace-absent' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'wintrace-absent' }, () => ({
      contents: "throw Object.assign(new Error(\"Cannot find package 'react-devtools-core' (not part of wintrace)\"), { code: 'ERR_MODULE_NOT_FOUND' });",
      loader: 'js',
    }));
  },
};

const result = await build({
  entryPoints: [join(DIST, 'cli', 'main.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi', 'msgpackr', '@alexaltea/capstone-js'],
  // React and some of Ink's dependencies are CommonJS and require Node's modules; an ES module has no require.
  banner: { js: "import { createRequire as __wintraceRequire } from 'node:module';\nconst require = __wintraceRequire(import.meta.url);" },
  plugins: [ownLocations],
  logLevel: 'warning',
  metafile: true,
});
if (inkOutputReplaced !== 1) throw new Error(`bundle: dist/tui/ink-output.js was replaced ${inkOutputReplaced} times, not once: the TUI's line caches would patch a copy of Ink's Output that draws nothing`);
const inputs = Object.keys(result.metafile.inputs);
if (!inputs.some((p) => p.endsWith('node_modules/ink/build/output.js'))) throw new Error('bundle: Ink\'s output.js is not in the bundle');
