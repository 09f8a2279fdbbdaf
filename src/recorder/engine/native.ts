// wintrace's C hooks (native/*.c, built into build/native by scripts/build-native.sh), loaded through koffi.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';

const NATIVE_DIR = fileURLToPath(new URL('../../../build/native/', import.meta.url));

const libs = new Map<string, koffi.IKoffiLib>();

export function loadNative(name: string): koffi.IKoffiLib {
  let lib = libs.get(name);
  if (!lib) {
    const path = `${NATIVE_DIR}libwt_${name}.so`;
    if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/setup.sh (or scripts/build-native.sh)`);
    lib = koffi.load(path);
    libs.set(name, lib);
  }
  return lib;
}

export interface CounterLib {
  /** uc_err wt_counter_install(uc_engine *uc, uc_hook *hh, wt_counter *counter); */
  wt_counter_install(uc: unknown, hh: Array<number | bigint>, counter: unknown): number;
}

export function counterLib(): CounterLib {
  const lib = loadNative('counter');
  return { wt_counter_install: lib.func('int wt_counter_install(void *uc, _Out_ size_t *hh, void *counter)') };
}

/** Field indexes of struct wt_counter (native/counter.c), as u64 words. */
export const COUNTER = { executed: 0, budget: 1, lastPc: 2, stoppedByBudget: 3, disabled: 4, stopNow: 5, words: 6 } as const;
