// `wintrace doctor`: says what of wintrace's machinery this machine has, and what to run when something is missing.

import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { loadDisassembler } from '../../arch/disasm.ts';
import { UnicornEngine } from '../../recorder/engine/unicorn.ts';
import { ExitCode } from '../../errors.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GO = '/usr/lib/go-1.19/bin/go';

interface Check {
  name: string;
  run: () => Promise<string>;
}

const CHECKS: Check[] = [
  { name: 'node', run: async () => process.version },
  { name: 'unicorn', run: async () => `libunicorn.so.2 ${UnicornEngine.version()}` },
  {
    name: 'capstone',
    run: async () => {
      const d = await loadDisassembler();
      const insn = d.disassemble(Uint8Array.from([0x1f, 0x20, 0x03, 0xd5]), 0n);
      if (insn?.mnemonic !== 'nop') throw new Error('decoded 0xd503201f wrongly');
      return '@alexaltea/capstone-js (WASM)';
    },
  },
  {
    name: 'go 1.19',
    run: async () => {
      if (!existsSync(GO)) throw new Error(`${GO} missing`);
      return GO;
    },
  },
  {
    name: 'fixtures',
    run: async () => {
      const dir = `${ROOT}fixtures/bin`;
      const exes = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.exe')) : [];
      if (exes.length === 0) throw new Error('no fixtures built');
      return `${exes.length} built in fixtures/bin`;
    },
  },
];

export const doctorCommand: CommandModule = {
  command: 'doctor',
  describe: 'Check that the emulator, disassembler, Go toolchain and fixtures are installed',
  handler: async () => {
    let missing = 0;
    for (const c of CHECKS) {
      try {
        process.stdout.write(`ok      ${c.name.padEnd(9)} ${await c.run()}\n`);
      } catch (e) {
        missing++;
        process.stdout.write(`MISSING ${c.name.padEnd(9)} ${(e as Error).message}\n`);
      }
    }
    if (missing > 0) {
      process.stdout.write(`\n${missing} missing: run 'bash scripts/setup.sh' to install and build them.\n`);
      process.exitCode = ExitCode.badInput;
    }
  },
};
