// Go's own `$GOROOT/test/*.go` programs marked `// run`, built for windows/arm64 and run under `wintrace run`,
// judged the way Go's test/run.go judges a `run` test (exit 0, combined output equal to the `.out` file beside
// the source, or empty when there is none), against the same program's native linux/amd64 run.
//
//   node --import tsx scripts/go-test-compat.ts --go 1.27 [--jobs N] [--timeout S] [--only name...] [--json out.json]
//
// Selection: top-level single-file tests whose first line (after any build-constraint lines, as test/run.go
// reads it) is exactly `// run` (no arguments or flags), whose
// build constraints (`//go:build`, or `// +build` lines when there is none) admit both windows/arm64 and
// linux/amd64 without cgo, and that do not `import "C"`.
//
// Builds go to .cache/go-test-compat/goX/bin/ (GOOS=windows GOARCH=arm64 CGO_ENABLED=0 -trimpath, and
// GOOS=linux GOARCH=amd64), keyed by the source's sha256 and the toolchain version, so a re-run only rebuilds
// what changed. The native run's result is cached beside its binary; the wintrace run is always redone (the
// emulator is what is being measured). Every child runs in its own process group in a fresh temporary
// directory, with a wall-clock bound (native 60 s; wintrace --timeout 120 and a hard kill at 180 s) and an
// output bound, so the campaign cannot hang.
//
// Exit code: 0 when at least 95 % of the native passes pass under wintrace, 1 otherwise, 2 on bad usage.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WINTRACE = join(REPO, 'bin', 'wintrace.js');

const NATIVE_TIMEOUT_S = 60;
/** `--timeout`: a busy machine makes the slowest programs (heapsampling, divmod) need more than the default. */
let WINTRACE_TIMEOUT_S = 120;
let WINTRACE_KILL_S = 180; // wintrace's own --timeout should fire first; this is the backstop
/** `--max-instructions`: finprofiled needs ~1.4×10¹⁰; the default bounds a runaway run. */
let WINTRACE_MAX_INSTRUCTIONS = 5_000_000_000;
const BUILD_TIMEOUT_S = 300;
const OUTPUT_LIMIT = 16 << 20; // bytes of combined output a child may write before it is killed

// ---- selection ------------------------------------------------------------------------------------------------

interface Platform { goos: string; goarch: string }
const TARGET: Platform = { goos: 'windows', goarch: 'arm64' };
const NATIVE: Platform = { goos: 'linux', goarch: 'amd64' };
const UNIX = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'linux', 'netbsd', 'openbsd', 'solaris']);

/** The tags a build constraint sees for this platform and toolchain (Go 1.minor), with or without cgo. */
function tagSet(p: Platform, minor: number, cgo: boolean): Set<string> {
  const tags = new Set([p.goos, p.goarch, 'gc']);
  if (UNIX.has(p.goos)) tags.add('unix');
  for (let i = 1; i <= minor; i++) tags.add(`go1.${i}`);
  if (cgo) tags.add('cgo');
  return tags;
}

/** Evaluates a `//go:build` expression (||, &&, !, parentheses, tags). */
function evalGoBuild(expr: string, tags: Set<string>): boolean {
  const toks = expr.match(/\|\||&&|!|\(|\)|[A-Za-z0-9_.]+/g) ?? [];
  let i = 0;
  const or = (): boolean => {
    let v = and();
    while (toks[i] === '||') { i++; const r = and(); v = v || r; }
    return v;
  };
  const and = (): boolean => {
    let v = not();
    while (toks[i] === '&&') { i++; const r = not(); v = v && r; }
    return v;
  };
  const not = (): boolean => {
    if (toks[i] === '!') { i++; return !not(); }
    if (toks[i] === '(') { i++; const v = or(); i++; return v; }
    const t = toks[i++] ?? '';
    return tags.has(t);
  };
  return or();
}

/** Evaluates `// +build` lines: lines AND, space-separated options OR, comma-separated terms AND, `!` negates. */
function evalPlusBuild(lines: string[], tags: Set<string>): boolean {
  return lines.every((line) => line.trim().split(/\s+/).some((opt) =>
    opt.split(',').every((term) => (term.startsWith('!') ? !tags.has(term.slice(1)) : tags.has(term)))));
}

function constraintAdmits(src: string, tags: Set<string>): boolean {
  const header = src.split('\npackage')[0] ?? src;
  const lines = header.split('\n');
  const goBuild = lines.find((l) => l.startsWith('//go:build '));
  if (goBuild) return evalGoBuild(goBuild.slice('//go:build '.length), tags);
  const plus = lines.filter((l) => l.startsWith('// +build ')).map((l) => l.slice('// +build '.length));
  return plus.length === 0 || evalPlusBuild(plus, tags);
}

interface Candidate { name: string; file: string; skip?: string }

function selectTests(testDir: string, minor: number): Candidate[] {
  const out: Candidate[] = [];
  for (const f of readdirSync(testDir).filter((n) => n.endsWith('.go')).sort()) {
    const file = join(testDir, f);
    if (!statSync(file).isFile()) continue;
    const src = readFileSync(file, 'utf8');
    // The action line as test/run.go reads it: the first line, after any build-constraint lines (Go 1.19's
    // tests put `//go:build` first in a few files; later releases put `// run` first everywhere).
    const action = src.split('\n').find((l) => l.trim() !== '' && !/^\/\/(go:build | \+build )/.test(l));
    if (action !== '// run') continue;
    const name = f.slice(0, -3);
    let skip: string | undefined;
    if (/^import\s+"C"/m.test(src) || /^import\s*\([^)]*"C"/m.test(src)) skip = 'needs cgo (import "C")';
    else {
      for (const p of [TARGET, NATIVE]) {
        if (constraintAdmits(src, tagSet(p, minor, false))) continue;
        skip = constraintAdmits(src, tagSet(p, minor, true)) ? 'needs cgo' : `build constraint excludes ${p.goos}/${p.goarch}`;
        break;
      }
    }
    out.push({ name, file, ...(skip ? { skip } : {}) });
  }
  return out;
}

// ---- children -------------------------------------------------------------------------------------------------

interface ChildResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  outputLimited: boolean;
  output: string; // combined stdout+stderr, in write order
  seconds: number;
}

/** Runs a command in its own process group with stdout and stderr into one file; kills the group on a bound. */
function runChild(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutS: number; logFile: string }): Promise<ChildResult> {
  return new Promise((done) => {
    const fd = openSync(opts.logFile, 'w');
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    let timedOut = false;
    let outputLimited = false;
    const kill = (): void => {
      try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    };
    const timer = setTimeout(() => { timedOut = true; kill(); }, opts.timeoutS * 1000);
    const watch = setInterval(() => {
      try { if (statSync(opts.logFile).size > OUTPUT_LIMIT) { outputLimited = true; kill(); } } catch { /* ignore */ }
    }, 1000);
    const finish = (exitCode: number | null, signal: string | null): void => {
      clearTimeout(timer);
      clearInterval(watch);
      kill(); // anything the child left running in its group
      let output = '';
      try {
        const buf = readFileSync(opts.logFile);
        output = buf.subarray(0, OUTPUT_LIMIT).toString('utf8');
      } catch { /* no output */ }
      done({ exitCode, signal, timedOut, outputLimited, output, seconds: (Date.now() - t0) / 1000 });
    };
    child.on('error', (e) => { finish(null, null); void e; });
    child.on('exit', (code, sig) => finish(code, sig));
  });
}

// ---- judging --------------------------------------------------------------------------------------------------

interface Judgement { pass: boolean; firstDiff?: string }

function firstDifference(got: string, want: string): string {
  const g = got.split('\n');
  const w = want.split('\n');
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    if (g[i] !== w[i]) {
      const show = (s: string | undefined): string => (s === undefined ? '<end of output>' : JSON.stringify(s.length > 160 ? `${s.slice(0, 160)}...` : s));
      return `line ${i + 1}: got ${show(g[i])}, want ${show(w[i])}`;
    }
  }
  return '';
}

/** Go's test/run.go for a `run` test: exit 0 and CRLF-normalised combined output equal to the .out file. */
function judge(r: ChildResult, expected: string): Judgement {
  const out = r.output.replace(/\r\n/g, '\n');
  if (r.timedOut) return { pass: false, firstDiff: firstDifference(out, expected) || undefined };
  if (r.exitCode !== 0) return { pass: false, firstDiff: firstDifference(out, expected) || undefined };
  if (out !== expected) return { pass: false, firstDiff: firstDifference(out, expected) };
  return { pass: true };
}

const STATS_RE = /instructions: (\d+)\n(?: {2}thread [^\n]*\n)*threads created: \d+\nAPI calls: (\d+)\nvirtual time: [^\n]*\n/;

interface WintraceOutput { program: string; errorLines: string[]; instructions?: number; apiCalls?: number }

/**
 * Splits wintrace's combined output into the program's own output and wintrace's lines: the --stats block
 * (printed after the program's output), `wintrace: ...` lines (with an internal error's stack) and the emulated
 * Windows' `Unhandled exception at ...` report.
 */
function splitWintraceOutput(raw: string): WintraceOutput {
  let text = raw;
  let instructions: number | undefined;
  let apiCalls: number | undefined;
  const at = text.lastIndexOf('instructions: ');
  if (at >= 0) {
    const m = STATS_RE.exec(text.slice(at));
    if (m && m.index === 0) {
      instructions = Number(m[1]);
      apiCalls = Number(m[2]);
      text = text.slice(0, at) + text.slice(at + m[0].length);
    }
  }
  const errorLines: string[] = [];
  const kept: string[] = [];
  const lines = text.split('\n');
  let inStack = false;
  for (const l of lines) {
    // A line wintrace itself prints may follow program output that did not end in a newline.
    const w = l.search(/wintrace: |Unhandled exception at 0x/);
    if (w >= 0) {
      errorLines.push(l.slice(w));
      if (w > 0) kept.push(l.slice(0, w));
      inStack = l.startsWith('internal error', w + 'wintrace: '.length);
      continue;
    }
    if (inStack && /^\s+at |^\S*Error\b/.test(l)) continue;
    inStack = false;
    kept.push(l);
  }
  return { program: kept.join('\n'), errorLines, ...(instructions !== undefined ? { instructions } : {}), ...(apiCalls !== undefined ? { apiCalls } : {}) };
}

// ---- per test -------------------------------------------------------------------------------------------------

interface NativeRecord { exitCode: number | null; signal: string | null; timedOut: boolean; pass: boolean; firstDiff?: string; seconds: number }
interface WintraceRecord extends NativeRecord { errorLine?: string; errorLines?: string[]; instructions?: number; apiCalls?: number }

interface TestResult {
  name: string;
  status: 'pass' | 'fail' | 'native-fail' | 'build-fail' | 'skip';
  reason?: string;
  cause?: string; // for a failure under wintrace: the grouping key (causeOf)
  native?: NativeRecord;
  wintrace?: WintraceRecord;
}

function sha256(s: string | Buffer): string { return createHash('sha256').update(s).digest('hex'); }

/**
 * The directory that really holds GOROOT's src and test: Debian's /usr/lib/go-1.NN links them from
 * /usr/share/go-1.NN, and a --mount refuses links that lead out of it.
 */
function guestGoroot(goroot: string): string {
  return dirname(realpathSync(join(goroot, 'src')));
}

interface Ctx { goroot: string; version: string; minor: number; cacheDir: string; goEnv: NodeJS.ProcessEnv; importcfg?: Promise<string> }

/**
 * The file Go's test driver passes as $STDLIB_IMPORTCFG (linkobj reads it; linkmain_run runs the same
 * `go list -export std` itself, which this also warms): made once per toolchain, on first need.
 */
function stdlibImportcfg(ctx: Ctx): Promise<string> {
  ctx.importcfg ??= (async () => {
    const file = join(ctx.cacheDir, 'importcfg.linux-amd64');
    const key = `${file}.key`;
    if (existsSync(file) && existsSync(key) && readFileSync(key, 'utf8') === ctx.version) return file;
    const cwd = mkdtempSync(join(tmpdir(), 'gtc-list-'));
    try {
      const r = await runChild('/bin/sh', ['-c', `"$GO" list -export -f '{{if .Export}}packagefile {{.ImportPath}}={{.Export}}{{end}}' std > "$OUT"`], {
        cwd, timeoutS: 900, logFile: join(ctx.cacheDir, 'log', 'importcfg.log'),
        env: { ...ctx.goEnv, GOOS: NATIVE.goos, GOARCH: NATIVE.goarch, GO: join(ctx.goroot, 'bin', 'go'), OUT: file },
      });
      if (r.exitCode === 0) writeFileSync(key, ctx.version);
      return file;
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  })();
  return ctx.importcfg;
}

/** Builds one test for one platform unless the cached build has the same key; returns the error text or ''. */
async function build(ctx: Ctx, c: Candidate, p: Platform, out: string, key: string): Promise<string> {
  const keyFile = `${out}.key`;
  if (existsSync(out) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return '';
  const errFile = `${out}.build.log`;
  if (existsSync(keyFile) && readFileSync(keyFile, 'utf8') === `${key} FAILED` && existsSync(errFile)) return readFileSync(errFile, 'utf8') || 'build failed';
  const tmp = `${out}.tmp`;
  const cwd = mkdtempSync(join(tmpdir(), 'gtc-build-'));
  try {
    const r = await runChild(join(ctx.goroot, 'bin', 'go'), ['build', '-trimpath', '-o', tmp, c.file], {
      cwd, timeoutS: BUILD_TIMEOUT_S, logFile: errFile,
      env: { ...ctx.goEnv, GOOS: p.goos, GOARCH: p.goarch },
    });
    if (r.exitCode !== 0 || !existsSync(tmp)) {
      writeFileSync(keyFile, `${key} FAILED`);
      return r.output || (r.timedOut ? 'build timed out' : 'build failed');
    }
    renameSync(tmp, out);
    writeFileSync(keyFile, key);
    return '';
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

async function runTest(ctx: Ctx, c: Candidate): Promise<TestResult> {
  if (c.skip) return { name: c.name, status: 'skip', reason: c.skip };
  const src = readFileSync(c.file);
  const outFile = c.file.replace(/\.go$/, '.out');
  const expected = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  const key = `${ctx.version} ${sha256(src)}`;
  const binDir = join(ctx.cacheDir, 'bin');
  const logDir = join(ctx.cacheDir, 'log');
  const exe = join(binDir, `${c.name}.exe`);
  const nat = join(binDir, `${c.name}.linux-amd64`);

  for (const [p, out] of [[TARGET, exe], [NATIVE, nat]] as const) {
    const err = await build(ctx, c, p, out, key);
    if (err) return { name: c.name, status: 'build-fail', reason: `${p.goos}/${p.goarch}: ${err.split('\n').filter(Boolean).slice(0, 3).join(' | ')}` };
  }

  // Native run, cached by the binary's hash and the expected output.
  const natKey = `cwd=test,importcfg ${sha256(readFileSync(nat))} ${sha256(expected)}`;
  const natCache = `${nat}.result.json`;
  let native: NativeRecord | undefined;
  if (existsSync(natCache)) {
    const cached = JSON.parse(readFileSync(natCache, 'utf8')) as { key: string; native: NativeRecord };
    if (cached.key === natKey) native = cached.native;
  }
  if (!native) {
    // Like test/run.go, in $GOROOT/test: linkx_run, sinit_run and linkmain_run build sibling files from there.
    const cwd = dirname(c.file);
    {
      const text = src.toString('utf8');
      const importcfg = /STDLIB_IMPORTCFG|"-export"/.test(text) ? await stdlibImportcfg(ctx) : undefined;
      const r = await runChild(nat, [], {
        cwd, timeoutS: NATIVE_TIMEOUT_S, logFile: join(logDir, `${c.name}.native.log`),
        env: { ...ctx.goEnv, GOOS: NATIVE.goos, GOARCH: NATIVE.goarch, ...(importcfg ? { STDLIB_IMPORTCFG: importcfg } : {}) },
      });
      const j = judge(r, expected);
      native = { exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, pass: j.pass, seconds: r.seconds, ...(j.firstDiff ? { firstDiff: j.firstDiff } : {}) };
      writeFileSync(natCache, JSON.stringify({ key: natKey, native }));
    }
  }
  if (!native.pass) return { name: c.name, status: 'native-fail', native };

  const cwd = mkdtempSync(join(tmpdir(), 'gtc-wintrace-'));
  try {
    const r = await runChild(process.execPath, [
      WINTRACE, 'run', exe, '--stats', '--timeout', String(WINTRACE_TIMEOUT_S), '--max-instructions', String(WINTRACE_MAX_INSTRUCTIONS),
      // The variables Go's test driver gives every test program (test/env.go checks $GOARCH); the guest sees no others.
      '--env', `GOOS=${TARGET.goos}`, '--env', `GOARCH=${TARGET.goarch}`, '--env', 'GOENV=off', '--env', 'GOFLAGS=',
      // And, like the native run, a GOROOT to read (winbatch walks it): the toolchain's tree, read-only, as C:\go.
      '--mount', `${guestGoroot(ctx.goroot)}:C:\\go`, '--env', 'GOROOT=C:\\go',
    ], { cwd, timeoutS: WINTRACE_KILL_S, logFile: join(logDir, `${c.name}.wintrace.log`), env: { ...process.env } });
    const split = splitWintraceOutput(r.output);
    const j = judge({ ...r, output: split.program }, expected);
    // The line that says why the run ended, rather than a sandbox refusal the program may have survived.
    let errorLine = split.errorLines.find((l) => !l.startsWith('wintrace: sandbox refused')) ?? split.errorLines[0];
    if (r.timedOut) errorLine = `harness: killed after ${WINTRACE_KILL_S} s`;
    else if (r.outputLimited) errorLine = `harness: killed after ${OUTPUT_LIMIT} bytes of output`;
    else if (!errorLine && r.signal) errorLine = `harness: wintrace died of ${r.signal}`;
    const wintrace: WintraceRecord = {
      exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, pass: j.pass, seconds: r.seconds,
      ...(j.firstDiff ? { firstDiff: j.firstDiff } : {}),
      ...(errorLine ? { errorLine } : {}),
      ...(split.errorLines.length > 1 ? { errorLines: split.errorLines } : {}),
      ...(split.instructions !== undefined ? { instructions: split.instructions } : {}),
      ...(split.apiCalls !== undefined ? { apiCalls: split.apiCalls } : {}),
    };
    return { name: c.name, status: wintrace.pass ? 'pass' : 'fail', native, wintrace };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** A failure's cause as a grouping key: wintrace's own line without threads and addresses, or the symptom. */
function causeOf(r: TestResult): string {
  const w = r.wintrace;
  if (!w) return r.status;
  const e = w.errorLine ?? '';
  let m: RegExpExecArray | null;
  if ((m = /unsupported API (\S+)/.exec(e))) return `unsupported API ${m[1]}`;
  if (/stopped after --timeout|harness: killed after \d+ s/.test(e)) return 'timeout (wall clock)';
  if (/stopped after --max-instructions/.test(e)) return 'instruction budget exhausted';
  if ((m = /^Unhandled exception at \S+ \(.*?\) in thread \d+: (.*)$/.exec(e))) return `unhandled exception: ${m[1]}`;
  if (e.startsWith('harness: wintrace died')) {
    const first = /got "([^"]*)"/.exec(w.firstDiff ?? '')?.[1] ?? '';
    return `wintrace aborted (${w.signal})${first ? `: ${first.replace(/^node: /, '')}` : ''}`;
  }
  if ((m = /^wintrace: sandbox refused: (\S+)/.exec(e))) return `program exit ${w.exitCode} after the sandbox refused ${m[1]}`;
  if (e) return e.replace(/ \(thread \d+\)$/, '').replace(/0x[0-9a-f]+/gi, '0x…').replace(/\+0x…/g, '');
  if (w.exitCode !== 0) return `program exit ${w.exitCode} (no wintrace message)`;
  return 'output differs';
}

function describe(r: TestResult): string {
  switch (r.status) {
    case 'skip': return `skip (${r.reason})`;
    case 'build-fail': return `build failed: ${r.reason}`;
    case 'native-fail': return `fails natively (exit ${r.native?.exitCode ?? r.native?.signal}${r.native?.timedOut ? ', timed out' : ''}${r.native?.firstDiff ? `; ${r.native.firstDiff}` : ''})`;
    case 'pass': return `pass (${r.wintrace?.instructions ?? '?'} instructions, ${r.wintrace?.seconds.toFixed(1)} s)`;
    case 'fail': {
      const w = r.wintrace;
      const bits = [`exit ${w?.exitCode ?? w?.signal}`];
      if (w?.errorLine) bits.push(w.errorLine);
      if (w?.firstDiff) bits.push(w.firstDiff);
      return `FAIL (${bits.join('; ')}; ${w?.seconds.toFixed(1)} s)`;
    }
  }
}

// ---- main -----------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const argv = yargs(hideBin(process.argv))
    .scriptName('node --import tsx scripts/go-test-compat.ts')
    .option('go', { type: 'string', demandOption: true, describe: 'toolchain: 1.19 ... 1.27 (.cache/toolchains/goX) or a GOROOT path' })
    .option('jobs', { type: 'number', default: 1, describe: 'tests run at once' })
    .option('timeout', { type: 'number', default: 120, describe: 'seconds each program may run under wintrace (its --timeout)' })
    .option('max-instructions', { type: 'number', default: 5_000_000_000, describe: 'instructions each program may run under wintrace (its --max-instructions)' })
    .option('only', { type: 'string', array: true, describe: 'test names (helloworld or helloworld.go)' })
    .option('json', { type: 'string', describe: 'write per-test results here' })
    .option('reuse', { type: 'string', describe: 'with --only: take every other test\'s result from this earlier --json file, so the summary covers all' })
    .strict()
    .parseSync();

  if (!(argv.timeout > 0)) {
    process.stderr.write(`--timeout must be a positive number of seconds, not ${argv.timeout}\n`);
    return 2;
  }
  if (!(Number.isSafeInteger(argv.maxInstructions) && argv.maxInstructions > 0)) {
    process.stderr.write(`--max-instructions must be a positive whole number, not ${argv.maxInstructions}\n`);
    return 2;
  }
  WINTRACE_MAX_INSTRUCTIONS = argv.maxInstructions;
  WINTRACE_TIMEOUT_S = argv.timeout;
  WINTRACE_KILL_S = argv.timeout + 60;
  const goroot = existsSync(join(argv.go, 'bin', 'go'))
    ? resolve(argv.go)
    : join(REPO, '.cache', 'toolchains', `go${argv.go}`, 'usr', 'lib', `go-${argv.go}`);
  if (!existsSync(join(goroot, 'bin', 'go'))) {
    process.stderr.write(`no Go toolchain at ${goroot} (run scripts/toolchains.sh)\n`);
    return 2;
  }
  const version = (readFileSync(join(goroot, 'VERSION'), 'utf8').split('\n')[0] ?? '').trim()
    || spawnSync(join(goroot, 'bin', 'go'), ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim();
  const minor = Number(/^go1\.(\d+)/.exec(version)?.[1] ?? NaN);
  if (!Number.isFinite(minor)) { process.stderr.write(`cannot read the Go version of ${goroot}\n`); return 2; }

  const cacheDir = join(REPO, '.cache', 'go-test-compat', `go1.${minor}`);
  mkdirSync(join(cacheDir, 'bin'), { recursive: true });
  mkdirSync(join(cacheDir, 'log'), { recursive: true });
  const goEnv: NodeJS.ProcessEnv = {
    ...process.env,
    GOROOT: goroot,
    PATH: `${join(goroot, 'bin')}:${process.env.PATH ?? ''}`,
    CGO_ENABLED: '0',
    GOTOOLCHAIN: 'local',
    GOFLAGS: '',
    GOENV: 'off',
    GOCACHE: join(REPO, '.cache', 'go-test-compat', 'gocache'),
    GOPATH: join(REPO, '.cache', 'go-test-compat', 'gopath'),
    GO111MODULE: '',
    GOEXPERIMENT: '',
  };
  const ctx: Ctx = { goroot, version, minor, cacheDir, goEnv };

  let tests = selectTests(join(goroot, 'test'), minor);
  const all = tests;
  if (argv.only?.length) {
    const want = new Set(argv.only.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean).map((s) => basename(s).replace(/\.go$/, '')));
    const unknown = [...want].filter((w) => !tests.some((t) => t.name === w));
    if (unknown.length) process.stderr.write(`not a selected run test: ${unknown.join(', ')}\n`);
    tests = tests.filter((t) => want.has(t.name));
  }

  const started = new Date();
  const results: (TestResult | undefined)[] = new Array(tests.length);
  const width = String(tests.length).length;
  let next = 0;
  let finished = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const c = tests[i];
      if (!c) return;
      let r: TestResult;
      try {
        r = await runTest(ctx, c);
      } catch (e) {
        r = { name: c.name, status: 'build-fail', reason: `harness error: ${(e as Error).message}` };
      }
      results[i] = r;
      finished++;
      process.stdout.write(`[${String(finished).padStart(width)}/${tests.length}] ${c.name}: ${describe(r)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.floor(argv.jobs)) }, worker));

  let done = results.filter((r): r is TestResult => r !== undefined);
  if (argv.reuse) {
    const prev = JSON.parse(readFileSync(argv.reuse, 'utf8')) as { version: string; tests: TestResult[] };
    if (prev.version !== version) { process.stderr.write(`--reuse ${argv.reuse} is for ${prev.version}, not ${version}\n`); return 2; }
    const fresh = new Map(done.map((r) => [r.name, r]));
    const old = new Map(prev.tests.map((r) => [r.name, r]));
    done = all.map((c) => fresh.get(c.name) ?? old.get(c.name)).filter((r): r is TestResult => r !== undefined);
    process.stdout.write(`(${done.length - fresh.size} results reused from ${argv.reuse})\n`);
  }
  const run = done.filter((r) => r.status !== 'skip');
  const nativePass = done.filter((r) => r.status === 'pass' || r.status === 'fail');
  const pass = done.filter((r) => r.status === 'pass');
  const pct = nativePass.length ? (100 * pass.length) / nativePass.length : 0;
  const summary = `${version}: ${run.length} run tests, ${nativePass.length} pass natively, ${pass.length} of those pass under wintrace (${pct.toFixed(1)} %)`;
  const skipped = done.filter((r) => r.status === 'skip');
  const buildFail = done.filter((r) => r.status === 'build-fail');
  process.stdout.write(`\n${summary}\n`);
  if (skipped.length) process.stdout.write(`skipped: ${skipped.map((r) => `${r.name} (${r.reason})`).join(', ')}\n`);
  if (buildFail.length) process.stdout.write(`build failed: ${buildFail.map((r) => r.name).join(', ')}\n`);
  const failed = done.filter((r) => r.status === 'fail');
  const groups = new Map<string, string[]>();
  for (const r of failed) {
    r.cause = causeOf(r);
    groups.set(r.cause, [...(groups.get(r.cause) ?? []), r.name]);
  }
  const grouped = [...groups].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  if (failed.length) {
    process.stdout.write(`fail under wintrace (${failed.length}), by cause:\n`);
    for (const [cause, names] of grouped) process.stdout.write(`  ${names.length} × ${cause}: ${names.join(', ')}\n`);
  }

  if (argv.json) {
    writeFileSync(argv.json, `${JSON.stringify({
      version, goroot, started: started.toISOString(), finished: new Date().toISOString(),
      command: `node --import tsx scripts/go-test-compat.ts ${hideBin(process.argv).join(' ')}`,
      ...(argv.reuse ? { reused: argv.reuse } : {}),
      summary: { runTests: run.length, nativePass: nativePass.length, wintracePass: pass.length, percent: Number(pct.toFixed(1)), skipped: skipped.length, buildFailed: buildFail.length },
      groups: grouped.map(([cause, tests]) => ({ cause, count: tests.length, tests })),
      tests: done,
    }, null, 2)}\n`);
  }
  return pct >= 95 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`go-test-compat: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 2;
});
