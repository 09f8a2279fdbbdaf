// `wintrace doctor`: says what of wintrace's machinery this machine has, and what to run when something is missing.

import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { loadDisassembler } from '../../arch/disasm.ts';
import { UnicornEngine } from '../../recorder/engine/unicorn.ts';
import { unicornLoadedFrom } from '../../recorder/engine/unicorn-ffi.ts';
import { ExitCode } from '../../errors.ts';
import { installedToolchains, pinnedToolchains } from '../../toolchains.ts';
import { requireZstd } from '../../trace/frame-codec.ts';
import { ZSTD_LIBRARY } from '../../trace/zstd.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Check {
  name: string;
  run: () => Promise<string>;
}

const CHECKS: Check[] = [
  { name: 'node', run: async () => process.version },
  {
    name: 'unicorn',
    run: async () => {
      const version = UnicornEngine.version();
      const e = new UnicornEngine();
      const page = e.pageSize;
      e.close();
      return `${version} ${unicornLoadedFrom()} (${page}-byte pages)`;
    },
  },
  { name: 'zstd', run: async () => `${requireZstd()} ${ZSTD_LIBRARY}` },
  {
    name: 'capstone',
    run: async () => {
      const d = await loadDisassembler();
      const insn = d.disassemble(Uint8Array.from([0x1f, 0x20, 0x03, 0xd5]), 0n);
      if (insn?.mnemonic !== 'nop') throw new Error('decoded 0xd503201f wrongly');
      return '@alexaltea/capstone-js (WASM)';
    },
  },
  ...pinnedToolchains().map((p) => ({
    name: `go ${p.release}`,
    run: async () => {
      const t = installedToolchains().find((i) => i.release === p.release);
      if (t === undefined) throw new Error(`not unpacked (Debian ${p.suite} golang-${p.release}-go ${p.debianVersion}): run scripts/toolchains.sh ${p.release}`);
      return `${t.version} ${t.goroot}`;
    },
  })),
  {
    name: 'fixtures',
    run: async () => {
      const dir = `${ROOT}fixtures/bin`;
      const count = (d: string): number => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.exe')).length : 0);
      const reference = count(dir);
      if (reference === 0) throw new Error('no fixtures built');
      const others = installedToolchains().filter((t) => existsSync(`${dir}/go${t.release}`)).map((t) => `${count(`${dir}/go${t.release}`)} go${t.release}`);
      return `${reference} built in fixtures/bin${others.length ? ` (and ${others.join(', ')})` : ''}`;
    },
  },
];

export const doctorCommand: CommandModule<object, { json: boolean }> = {
  command: 'doctor',
  describe: 'Check that the emulator, zstd, disassembler, Go toolchains and fixtures are installed',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print the findings as JSON (toolchains: version and goroot of each)' }),
  handler: async (argv) => {
    const results: Array<{ name: string; ok: boolean; detail: string }> = [];
    for (const c of CHECKS) {
      try {
        results.push({ name: c.name, ok: true, detail: await c.run() });
      } catch (e) {
        results.push({ name: c.name, ok: false, detail: (e as Error).message });
      }
    }
    const missing = results.filter((r) => !r.ok).length;
    if (argv.json) {
      const toolchains = installedToolchains().map((t) => ({ version: t.version, goroot: t.goroot }));
      process.stdout.write(`${JSON.stringify({ toolchains, checks: results }, null, 2)}\n`);
    } else {
      for (const r of results) process.stdout.write(`${r.ok ? 'ok     ' : 'MISSING'} ${r.name.padEnd(9)} ${r.detail}\n`);
      if (missing > 0) process.stdout.write(`\n${missing} missing: run 'bash scripts/setup.sh' to install and build them.\n`);
    }
    if (missing > 0) process.exitCode = ExitCode.badInput;
  },
};
