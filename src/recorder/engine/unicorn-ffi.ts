// The slice of Unicorn 2's C API that wintrace uses, declared for koffi from <unicorn/unicorn.h> (2.0.1).
// Kept apart from the Engine implementation so the prototypes read like the header they come from.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';

export const UC_ARCH_ARM64 = 2;
export const UC_MODE_ARM = 0;

export const UC_HOOK = {
  INTR: 1 << 0,
  CODE: 1 << 2,
  BLOCK: 1 << 3,
  MEM_READ_UNMAPPED: 1 << 4,
  MEM_WRITE_UNMAPPED: 1 << 5,
  MEM_FETCH_UNMAPPED: 1 << 6,
  MEM_READ_PROT: 1 << 7,
  MEM_WRITE_PROT: 1 << 8,
  MEM_FETCH_PROT: 1 << 9,
  MEM_READ: 1 << 10,
  MEM_WRITE: 1 << 11,
  MEM_FETCH: 1 << 12,
} as const;

/** uc_mem_type values passed to memory hooks. */
export const UC_MEM = {
  READ: 16,
  WRITE: 17,
  FETCH: 18,
  READ_UNMAPPED: 19,
  WRITE_UNMAPPED: 20,
  FETCH_UNMAPPED: 21,
  WRITE_PROT: 22,
  READ_PROT: 23,
  FETCH_PROT: 24,
} as const;

export const UC_ERR = {
  OK: 0,
  READ_UNMAPPED: 6,
  WRITE_UNMAPPED: 7,
  FETCH_UNMAPPED: 8,
  INSN_INVALID: 10,
  WRITE_PROT: 12,
  READ_PROT: 13,
  FETCH_PROT: 14,
  EXCEPTION: 21,
} as const;

export const UC_PROT = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4 } as const;

/** uc_query types. */
export const UC_QUERY_PAGE_SIZE = 2;

// Callback prototypes (unicorn.h: uc_cb_hookcode_t, uc_cb_hookintr_t, uc_cb_hookmem_t, uc_cb_eventmem_t).
export const HookCodeProto = koffi.proto(
  'void wt_hookcode(void *uc, uint64_t address, uint32_t size, void *user_data)',
);
export const HookIntrProto = koffi.proto('void wt_hookintr(void *uc, uint32_t intno, void *user_data)');
export const HookMemProto = koffi.proto(
  'void wt_hookmem(void *uc, int type, uint64_t address, int size, int64_t value, void *user_data)',
);
export const EventMemProto = koffi.proto(
  'bool wt_eventmem(void *uc, int type, uint64_t address, int size, int64_t value, void *user_data)',
);

export interface UnicornLib {
  uc_version(major: null, minor: null): number;
  uc_open(arch: number, mode: number, out: unknown[]): number;
  uc_close(uc: unknown): number;
  uc_strerror(code: number): string;
  uc_errno(uc: unknown): number;
  uc_query(uc: unknown, type: number, out: Array<number | bigint>): number;
  uc_mem_map(uc: unknown, address: bigint, size: bigint, perms: number): number;
  uc_mem_unmap(uc: unknown, address: bigint, size: bigint): number;
  uc_mem_map_ptr(uc: unknown, address: bigint, size: bigint, perms: number, ptr: unknown): number;
  uc_mem_map_ptr_at(uc: unknown, address: bigint, size: bigint, perms: number, host: bigint): number;
  uc_mem_protect(uc: unknown, address: bigint, size: bigint, perms: number): number;
  uc_mem_regions(uc: unknown, regions: unknown[], count: number[]): number;
  uc_mem_read(uc: unknown, address: bigint, bytes: Uint8Array, size: bigint): number;
  uc_mem_write(uc: unknown, address: bigint, bytes: Uint8Array, size: bigint): number;
  uc_reg_read_batch(uc: unknown, regs: Int32Array, vals: BigUint64Array, count: number): number;
  uc_reg_write_batch(uc: unknown, regs: Int32Array, vals: BigUint64Array, count: number): number;
  uc_emu_start(uc: unknown, begin: bigint, until: bigint, timeout: bigint, count: bigint): number;
  uc_emu_stop(uc: unknown): number;
  uc_hook_add(
    uc: unknown,
    out: Array<number | bigint>,
    type: number,
    cb: unknown,
    userData: null,
    begin: bigint,
    end: bigint,
  ): number;
  uc_hook_del(uc: unknown, hh: number | bigint): number;
  uc_context_alloc(uc: unknown, out: unknown[]): number;
  uc_context_save(uc: unknown, ctx: unknown): number;
  uc_context_restore(uc: unknown, ctx: unknown): number;
  uc_context_free(ctx: unknown): number;
  uc_free(mem: unknown): number;
  uc_ctl_remove_cache(uc: unknown, control: number, begin: bigint, end: bigint): number;
  uc_ctl_flush_tb(uc: unknown, control: number): number;
  uc_ctl_set_page_size(uc: unknown, control: number, pageSize: number): number;
}

// UC_CTL(type, nr, rw) = type | nr << 26 | rw << 30 (unicorn.h); UC_CTL_IO_WRITE = 1.
const UC_CTL_TB_REMOVE_CACHE = 9; // UC_CTL_UC_MODE is 0
const UC_CTL_TB_FLUSH = 10;
/** uc_ctl_remove_cache(uc, begin, end): drop translated blocks over [begin, end). */
export const UC_CTL_REMOVE_CACHE = (UC_CTL_TB_REMOVE_CACHE | (2 << 26) | (1 << 30)) >>> 0;
/** uc_ctl_set_page_size(uc, size): before the engine's first use; Unicorn 2.0.1 refuses it for ARM64. */
export const UC_CTL_SET_PAGE_SIZE = (1 | (1 << 26) | (1 << 30)) >>> 0; // UC_CTL_UC_PAGE_SIZE is 1
/** uc_ctl_flush_tb(uc): drop every translated block. */
export const UC_CTL_FLUSH_TB = (UC_CTL_TB_FLUSH | (0 << 26) | (1 << 30)) >>> 0;

let cached: UnicornLib | undefined;
let loadedFrom = '';

const PROJECT_UNICORN = fileURLToPath(new URL('../../../.cache/unicorn/lib/libunicorn.so.2', import.meta.url));

/**
 * The libunicorn.so.2 wintrace loads: WINTRACE_UNICORN when set (a benchmark comparing builds), else upstream 2.1.4
 * as scripts/unicorn.sh unpacks it into .cache/unicorn (why that build: scripts/unicorn.sh).
 */
export function unicornPath(): string {
  return process.env.WINTRACE_UNICORN || PROJECT_UNICORN;
}

/** The file the loaded library came from ('' before the first load). */
export function unicornLoadedFrom(): string {
  return loadedFrom;
}

/** Loads libunicorn.so.2 once; the error says how to install it when it is missing. */
export function loadUnicorn(): UnicornLib {
  if (cached) return cached;
  const path = unicornPath();
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run scripts/setup.sh (or scripts/unicorn.sh) to fetch Unicorn 2.1.4`);
  }
  let lib: koffi.IKoffiLib;
  try {
    lib = koffi.load(path);
  } catch (e) {
    throw new Error(`cannot load ${path} (Unicorn 2): ${(e as Error).message}; run scripts/unicorn.sh again`);
  }
  loadedFrom = path;
  const f = (proto: string) => lib.func(proto);
  cached = {
    // unsigned int uc_version(unsigned int *major, unsigned int *minor);
    uc_version: f('unsigned int uc_version(unsigned int *major, unsigned int *minor)'),
    // uc_err uc_open(uc_arch arch, uc_mode mode, uc_engine **uc);
    uc_open: f('int uc_open(int arch, int mode, _Out_ void **uc)'),
    // uc_err uc_close(uc_engine *uc);
    uc_close: f('int uc_close(void *uc)'),
    // const char *uc_strerror(uc_err code);
    uc_strerror: f('const char *uc_strerror(int code)'),
    // uc_err uc_errno(uc_engine *uc);
    uc_errno: f('int uc_errno(void *uc)'),
    // uc_err uc_query(uc_engine *uc, uc_query_type type, size_t *result);
    uc_query: f('int uc_query(void *uc, int type, _Out_ size_t *result)'),
    // uc_err uc_mem_map(uc_engine *uc, uint64_t address, size_t size, uint32_t perms);
    uc_mem_map: f('int uc_mem_map(void *uc, uint64_t address, size_t size, uint32_t perms)'),
    // uc_err uc_mem_map_ptr(uc_engine *uc, uint64_t address, size_t size, uint32_t perms, void *ptr);
    uc_mem_map_ptr: f('int uc_mem_map_ptr(void *uc, uint64_t address, size_t size, uint32_t perms, void *ptr)'),
    // The same, with the host address as an integer (HostPages computes addresses inside its blocks).
    uc_mem_map_ptr_at: lib.func('uc_mem_map_ptr', 'int', ['void *', 'uint64_t', 'size_t', 'uint32_t', 'uint64_t']),
    // uc_err uc_mem_unmap(uc_engine *uc, uint64_t address, size_t size);
    uc_mem_unmap: f('int uc_mem_unmap(void *uc, uint64_t address, size_t size)'),
    // uc_err uc_mem_protect(uc_engine *uc, uint64_t address, size_t size, uint32_t perms);
    uc_mem_protect: f('int uc_mem_protect(void *uc, uint64_t address, size_t size, uint32_t perms)'),
    // uc_err uc_mem_regions(uc_engine *uc, uc_mem_region **regions, uint32_t *count);
    uc_mem_regions: f('int uc_mem_regions(void *uc, _Out_ void **regions, _Out_ uint32_t *count)'),
    // uc_err uc_mem_read(uc_engine *uc, uint64_t address, void *bytes, size_t size);
    uc_mem_read: f('int uc_mem_read(void *uc, uint64_t address, void *bytes, size_t size)'),
    // uc_err uc_mem_write(uc_engine *uc, uint64_t address, const void *bytes, size_t size);
    uc_mem_write: f('int uc_mem_write(void *uc, uint64_t address, const void *bytes, size_t size)'),
    // uc_err uc_reg_read_batch(uc_engine *uc, int *regs, void **vals, int count);
    // vals is passed as an array of raw addresses into memory that wintrace allocated with koffi.alloc.
    uc_reg_read_batch: f('int uc_reg_read_batch(void *uc, const void *regs, const void *vals, int count)'),
    // uc_err uc_reg_write_batch(uc_engine *uc, int *regs, void *const *vals, int count);
    uc_reg_write_batch: f('int uc_reg_write_batch(void *uc, const void *regs, const void *vals, int count)'),
    // uc_err uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count);
    uc_emu_start: f('int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)'),
    // uc_err uc_emu_stop(uc_engine *uc);
    uc_emu_stop: f('int uc_emu_stop(void *uc)'),
    // uc_err uc_hook_add(uc_engine *uc, uc_hook *hh, int type, void *callback, void *user_data,
    //                    uint64_t begin, uint64_t end, ...);
    // Declared without the variadic tail: wintrace never adds UC_HOOK_INSN hooks, the only kind that uses it,
    // and on x86-64 SysV a fixed-argument call to a variadic callee with integer arguments is compatible.
    uc_hook_add: f(
      'int uc_hook_add(void *uc, _Out_ size_t *hh, int type, void *callback, void *user_data, uint64_t begin, uint64_t end)',
    ),
    // uc_err uc_hook_del(uc_engine *uc, uc_hook hh);
    uc_hook_del: f('int uc_hook_del(void *uc, size_t hh)'),
    // uc_err uc_context_alloc(uc_engine *uc, uc_context **context);
    uc_context_alloc: f('int uc_context_alloc(void *uc, _Out_ void **context)'),
    // uc_err uc_context_save(uc_engine *uc, uc_context *context);
    uc_context_save: f('int uc_context_save(void *uc, void *context)'),
    // uc_err uc_context_restore(uc_engine *uc, uc_context *context);
    uc_context_restore: f('int uc_context_restore(void *uc, void *context)'),
    // uc_err uc_context_free(uc_context *context);
    uc_context_free: f('int uc_context_free(void *context)'),
    // uc_err uc_free(void *mem);
    uc_free: f('int uc_free(void *mem)'),
    // uc_err uc_ctl(uc_engine *uc, uc_control_type control, ...);
    // Bound with the two uint64_t arguments of uc_ctl_remove_cache fixed: koffi's variadic call was measured to
    // pass them wrongly (UC_ERR_ARG), and integer varargs need no special treatment on x86-64 SysV.
    uc_ctl_remove_cache: lib.func('uc_ctl', 'int', ['void *', 'uint32_t', 'uint64_t', 'uint64_t']),
    uc_ctl_flush_tb: lib.func('uc_ctl', 'int', ['void *', 'uint32_t']),
    uc_ctl_set_page_size: lib.func('uc_ctl', 'int', ['void *', 'uint32_t', 'uint32_t']),
  } as unknown as UnicornLib;
  return cached;
}
