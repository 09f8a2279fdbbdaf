// bin/wintrace.js chooses what to run: the built bundle (what an installed command runs), src/ through tsx when a
// source file is newer than the bundle (a developer's edit in a checkout), or, with nothing built, one line
// saying to build. Checked on a copy of the launcher in a temporary tree whose dist/ and src/ are stubs that say
// which ran.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../helpers/fixtures.ts';

let dir: string;

function launch(env: Record<string, string> = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache'), ...env };
  if (!('WINTRACE_FROM_SOURCE' in env)) delete e.WINTRACE_FROM_SOURCE;
  delete e.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [join(dir, 'bin/wintrace.js'), 'a', 'b'], { cwd: tmpdir(), env: e, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-launcher-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'src/cli'), { recursive: true });
  copyFileSync(join(ROOT, 'bin/wintrace.js'), join(dir, 'bin/wintrace.js'));
  copyFileSync(join(ROOT, 'bin/code-cache.js'), join(dir, 'bin/code-cache.js'));
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

test('a built dist/ as new as src/ runs; a newer source file runs src/ through tsx; WINTRACE_FROM_SOURCE forces either', () => {
  mkdirSync(join(dir, 'dist/cli'), { recursive: true });
  // tsc's twin of src/cli/main.ts, and the bundle (a CommonJS script) the launcher runs and compares dates with.
  writeFileSync(join(dir, 'dist/cli/main.js'), 'console.log("unbundled", process.argv.slice(2).join(" "));\n');
  writeFileSync(join(dir, 'dist/wintrace.cjs'), 'console.log(typeof require === "function" ? "dist" : "not a script", process.argv.slice(2).join(" "));\n');
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(dir, 'src/cli/main.ts'), old, old);
  assert.deepEqual(launch(), { code: 0, out: 'dist a b\n', err: '' });
  assert.deepEqual(launch({ WINTRACE_FROM_SOURCE: '1' }), { code: 0, out: 'src a b\n', err: '' });

  const now = new Date(Date.now() + 1000);
  utimesSync(join(dir, 'src/cli/main.ts'), now, now);
  assert.deepEqual(launch(), { code: 0, out: 'src a b\n', err: '' });
  assert.deepEqual(launch({ WINTRACE_FROM_SOURCE: '0' }), { code: 0, out: 'dist a b\n', err: '' });

  // A new source file is a change too.
  utimesSync(join(dir, 'src/cli/main.ts'), old, old);
  writeFileSync(join(dir, 'src/cli/extra.ts'), 'export {};\n');
  assert.deepEqual(launch(), { code: 0, out: 'src a b\n', err: '' });
});
