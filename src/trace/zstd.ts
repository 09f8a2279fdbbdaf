// zstd through koffi on the system's libzstd (Debian's libzstd1; node:zlib has no zstd before Node 22.15).
//
// zstdLibrary is self-contained (it uses only its arguments) because the writer's and the reader's worker threads
// run its source text (`${zstdLibrary}`): they start without the TypeScript loader, and one implementation serves
// every thread. Each thread keeps one compression and one decompression context for its whole life: creating one
// per frame costs more than compressing a small frame.

import type koffiModule from 'koffi';

/**
 * The shared library: WINTRACE_ZSTD when set (another build; a test of a machine without libzstd), else by soname,
 * what the libzstd1 package installs (the unversioned libzstd.so is only in libzstd-dev).
 */
export const ZSTD_LIBRARY = process.env.WINTRACE_ZSTD || 'libzstd.so.1';

export interface Zstd {
  /** `src` compressed at `level`, after `prefix` bytes left for the caller (the frame's codec byte). */
  compress(src: Uint8Array, level: number, prefix: number): Buffer;
  /** The bytes of one zstd frame, at most `maxBytes` of them; throws an Error saying what is wrong. */
  decompress(src: Uint8Array, maxBytes: number): Buffer;
  /** The library's version, "1.5.4". */
  version: string;
}

export function zstdLibrary(koffi: typeof koffiModule, soname: string): Zstd {
  let lib: koffiModule.IKoffiLib;
  try {
    lib = koffi.load(soname);
  } catch (e) {
    throw new Error(`cannot load ${soname} (zstd, Debian package libzstd1): ${String((e as Error).message).split('\n')[0]}`);
  }
  const compressBound = lib.func('size_t ZSTD_compressBound(size_t)');
  const isError = lib.func('unsigned int ZSTD_isError(size_t)');
  const errorName = lib.func('const char *ZSTD_getErrorName(size_t)');
  const compressCCtx = lib.func('size_t ZSTD_compressCCtx(void *, void *, size_t, const void *, size_t, int)');
  const decompressDCtx = lib.func('size_t ZSTD_decompressDCtx(void *, void *, size_t, const void *, size_t)');
  const frameContentSize = lib.func('unsigned long long ZSTD_getFrameContentSize(const void *, size_t)');
  const cctx = lib.func('void *ZSTD_createCCtx()')();
  const dctx = lib.func('void *ZSTD_createDCtx()')();
  if (!cctx || !dctx) throw new Error(`${soname}: cannot create a zstd context (out of memory)`);
  // Errors are size_t values near 2^64, which koffi returns as BigInt; sizes are Numbers.
  const failed = (r: number | bigint) => isError(r) !== 0;
  return {
    version: lib.func('const char *ZSTD_versionString()')() as string,
    compress(src, level, prefix) {
      const out = Buffer.allocUnsafe(prefix + Number(compressBound(src.length)));
      const n = compressCCtx(cctx, out.subarray(prefix), out.length - prefix, src, src.length, level) as number | bigint;
      if (failed(n)) throw new Error(`zstd compression failed: ${errorName(n)}`);
      return out.subarray(0, prefix + Number(n));
    },
    decompress(src, maxBytes) {
      // The frame header states the size (the writer always records it): allocate exactly that, never more than
      // maxBytes, and a frame that would write more fails inside zstd instead of overrunning.
      const size = frameContentSize(src, src.length) as number | bigint;
      if (typeof size === 'bigint') throw new Error(size === 0xffffffffffffffffn ? 'zstd frame does not state its size' : 'not a zstd frame');
      if (size > maxBytes) throw new Error(`zstd frame of ${size} bytes exceeds the ${maxBytes}-byte limit`);
      const out = Buffer.allocUnsafe(size);
      const n = decompressDCtx(dctx, out, size, src, src.length) as number | bigint;
      // zstd checks the stated size against what the blocks hold (its "Data corruption detected").
      if (failed(n)) throw new Error(`zstd: ${errorName(n)}`);
      return out;
    },
  };
}
