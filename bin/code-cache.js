// Runs the bundle (dist/wintrace.cjs, a script) with V8's code cache: the functions compiled by an earlier run of the
// same command on the same bundle and Node, so this run neither parses the 2 MB bundle again nor compiles lazily the
// functions it needs before its first output. On the demo's TUI that takes the first frame from ~790 to ~550 ms
// (docs/benchmarks.md, "TUI start-up: the code cache"). Node 20 has no such cache for ES modules (22 added one).
//
// One cache file per command verb (the TUI's functions are not those of `show`), under $XDG_CACHE_HOME/wintrace or
// ~/.cache/wintrace, named for the Node version and the bundle's path, size and time, so two checkouts or a rebuild
// never share one. V8 checks the rest (its version, flags, the source's hash) and rejects a cache that does not fit:
// the run then compiles as without one and writes a fresh cache. The 32 most recent caches are kept (1-2 MB each).
// Every failure to read or write the cache is ignored: it only makes a start slower. WINTRACE_CODE_CACHE=0 turns
// it off.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import vm from 'node:vm';

/** After this long a command that is still running (the TUI) writes the cache: by then it has drawn its first frame. */
const WRITE_AFTER_MS = 2000;

/** Caches kept: one per verb and bundle build, so rebuilds and checkouts would pile them up without a bound. */
const KEEP = 32;

/** Leaves the KEEP most recently written caches in `dir`. */
function prune(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .map((f) => ({ path: join(dir, f), at: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const f of files.slice(KEEP)) rmSync(f.path, { force: true });
}

/** The cache file for this bundle and verb, or null when there is nowhere to keep one. */
export function cacheFile(bundle, verb, env = process.env) {
  if (env.WINTRACE_CODE_CACHE === '0') return null;
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored (it would put caches in whatever directory the
  // command runs from).
  const home = env.HOME || homedir();
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : home ? join(home, '.cache') : '';
  if (!base) return null;
  const st = statSync(bundle);
  const key = createHash('sha256').update(`${bundle}\0${st.size}\0${st.mtimeMs}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 16);
  return join(base, 'wintrace', 'v8-code-cache', `${/^[a-z]+$/.test(verb ?? '') ? verb : 'main'}-${key}.bin`);
}

/** Runs `bundle` (a CommonJS script) as Node would, with the cache for `verb`; returns what V8 did with the cache. */
export function runBundle(bundle, verb) {
  const source = readFileSync(bundle, 'utf8');
  let file = null;
  let cachedData;
  try {
    file = cacheFile(bundle, verb);
    if (file !== null) cachedData = readFileSync(file);
  } catch {
    cachedData = undefined; // none yet, or unreadable: compiled as without one
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  const state = cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
  if (file !== null && state !== 'used') {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      try {
        mkdirSync(dirname(file), { recursive: true });
        // Another run may write the same file at the same time: each writes its own and renames it into place.
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, file);
        prune(dirname(file));
      } catch {
        // a read-only or full cache directory: the next run compiles again
      }
    };
    setTimeout(write, WRITE_AFTER_MS).unref();
    process.once('exit', write);
  }
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return state;
}
