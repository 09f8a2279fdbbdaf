// bin/wintrace.js, the installed command, runs the built bundle and nothing else: with a source file newer than the
// bundle (a developer's edit in a checkout) it says so in one line and still runs the build; with nothing built, one
// line saying to build. scripts/wintrace-src.js is the way to run src/ through tsx. Checked on copies in a temporary
// tree whose dist/ and src/ are stubs that say which ran.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../helpers/fixtures.ts';

let dir: string;

function launch(env: Record<string, string> = {}, script = 'bin/wintrace.js') {
  const e: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache'), ...env };
  delete e.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [join(dir, script), 'a', 'b'], { cwd: tmpdir(), env: e, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-launcher-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'src/cli'), { recursive: true });
  copyFileSync(join(ROOT, 'bin/wintrace.js'), join(dir, 'bin/wintrace.js'));
  copyFileSync(join(ROOT, 'bin/code-cache.js'), join(dir, 'bin/code-cache.js'));
  copyFileSync(join(ROOT, 'bin/stale-build.js'), join(dir, 'bin/stale-build.js'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts/wintrace-src.js'), join(dir, 'scripts/wintrace-src.js'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "module": "NodeNext", "jsx": "react-jsx" } }\n');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  // A type annotation: only tsx can run it.
  writeFileSync(join(dir, 'src/cli/main.ts'), 'const from: string = "src";\nconsole.log(from, process.argv.slice(2).join(" "));\n');
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('with no dist/, one line says to build, and the exit code is 70', () => {
  const r = launch();
  assert.equal(r.code, 70);
  assert.equal(r.out, '');
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /^wintrace: not built yet .*run 'npm run build' \(or 'bash scripts\/setup\.sh'\)/);
});

test('a built dist/ runs, without tsx or node_modules; a newer source file only adds one line saying so', () => {
  mkdirSync(join(dir, 'dist/cli'), { recursive: true });
  // tsc's twin of src/cli/main.ts, and the bundle (a CommonJS script) the launcher runs and compares dates with.
  writeFileSync(join(dir, 'dist/cli/main.js'), 'console.log("unbundled", process.argv.slice(2).join(" "));\n');
  writeFileSync(join(dir, 'dist/wintrace.cjs'), 'console.log(typeof require === "function" ? "dist" : "not a script", process.argv.slice(2).join(" "));\n');
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(dir, 'src/cli/main.ts'), old, old);
  // An installed command has no development dependencies: nothing it loads may need them.
  rmSync(join(dir, 'node_modules'));
  try {
    assert.deepEqual(launch(), { code: 0, out: 'dist a b\n', err: '' });
    // The variable that once made it run src/ through tsx does nothing now.
    assert.deepEqual(launch({ WINTRACE_FROM_SOURCE: '1' }), { code: 0, out: 'dist a b\n', err: '' });

    const now = new Date(Date.now() + 1000);
    utimesSync(join(dir, 'src/cli/main.ts'), now, now);
    const stale = launch();
    assert.equal(stale.out, 'dist a b\n');
    assert.equal(stale.code, 0);
    assert.equal(stale.err.trim().split('\n').length, 1, stale.err);
    assert.match(stale.err, /^wintrace: .*src\/cli\/main\.ts is newer than the build: running the last build; run 'npm run build' in /);

    // A new source file is a change too.
    utimesSync(join(dir, 'src/cli/main.ts'), old, old);
    writeFileSync(join(dir, 'src/cli/extra.ts'), 'export {};\n');
    assert.match(launch().err, /src\/cli\/extra\.ts is newer than the build/);
  } finally {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  }
});

test('scripts/wintrace-src.js runs src/ through tsx, from any directory', () => {
  assert.deepEqual(launch({}, 'scripts/wintrace-src.js'), { code: 0, out: 'src a b\n', err: '' });
});
