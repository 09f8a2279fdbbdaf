// The installed command's V8 code cache (bin/code-cache.js): a start leaves one per verb, the next uses it, and a
// damaged, unwritable or switched-off cache never changes what a command prints or how it exits.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-code-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const TRACE = join(ROOT, 'traces', 'recovered-nil-dereference-go1.27.mp');

/** `wintrace show TRACE --at 100` as the installed command runs it (the bundle), with caches under `cacheHome`. */
function show(cacheHome: string, extra: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/wintrace.js'), 'show', TRACE, '--at', '100'], {
    encoding: 'utf8', cwd: dir, env: { ...process.env, XDG_CACHE_HOME: cacheHome, ...extra },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const caches = (home: string) => {
  const d = join(home, 'wintrace', 'v8-code-cache');
  return existsSync(d) ? readdirSync(d).map((f) => join(d, f)) : [];
};

describe('code cache of the installed command', () => {
  const home = join(dir, 'cache');
  let expected: ReturnType<typeof show>;

  test('the first start writes a cache for its verb; the next uses it and leaves it as it was', () => {
    assert.ok(existsSync(TRACE), TRACE);
    expected = show(home);
    assert.equal(expected.code, 0, expected.err);
    const files = caches(home);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /[\\/]show-[0-9a-f]{16}\.bin$/);
    const written = statSync(files[0]!).mtimeMs;
    const again = show(home);
    assert.deepEqual(again, expected);
    assert.equal(statSync(files[0]!).mtimeMs, written, 'a cache V8 accepted is not written again');
  });

  test('a damaged cache is compiled around and replaced', () => {
    const [file] = caches(home);
    writeFileSync(file!, Buffer.alloc(4096, 0x5a));
    assert.deepEqual(show(home), expected);
    assert.notDeepEqual(readFileSync(file!), Buffer.alloc(4096, 0x5a));
    assert.ok(statSync(file!).size > 10_000);
  });

  test('a relative XDG_CACHE_HOME is ignored, as the XDG spec says: the cache goes under HOME, not the current directory', () => {
    const home2 = join(dir, 'home');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/wintrace.js'), 'show', TRACE, '--at', '100'], {
      encoding: 'utf8', cwd: dir, env: { ...process.env, XDG_CACHE_HOME: 'relative-cache', HOME: home2 },
    });
    assert.deepEqual({ code: r.status, out: r.stdout, err: r.stderr }, expected);
    assert.ok(!existsSync(join(dir, 'relative-cache')), 'nothing written relative to the current directory');
    assert.equal(caches(join(home2, '.cache')).length, 1);
  });

  test('a cache directory that cannot be made, or WINTRACE_CODE_CACHE=0, changes nothing the user sees', () => {
    const notADirectory = join(dir, 'a-file');
    writeFileSync(notADirectory, 'x');
    assert.deepEqual(show(notADirectory), expected);
    const off = join(dir, 'off');
    assert.deepEqual(show(off, { WINTRACE_CODE_CACHE: '0' }), expected);
    assert.deepEqual(caches(off), []);
  });
});
