// Frame payloads decompressed on a second thread, for readers that go through a whole trace in order (the ABI
// check): the next frames inflate while the current one is worked on. Measured on the 51M-step benchmark trace
// (3,119 segments): brotli + unpack + the C check pass took 1.8-1.9 s in one thread and 1.15-1.47 s with this
// worker, side by side in one run (zlib's own async brotli was slower than both: its per-chunk callbacks run on
// the busy main thread).
//
// The worker is an eval'd CommonJS string because it must start without the TypeScript loader (run from src/,
// scripts/wintrace-src.js registers tsx for the main thread only); it runs frame-codec.ts's decode.

import { Worker } from 'node:worker_threads';
import { decodePayload, workerCodecSource } from './frame-codec.ts';
import { FRAME_CODEC } from './schema.ts';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
${workerCodecSource()}
parentPort.on('message', (m) => {
  // After the requests before it: closing the port lets the thread end with no decompression under way.
  if (m.close) {
    parentPort.close();
    return;
  }
  let out;
  try {
    out = codec.decode(m.payload);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message) });
    return;
  }
  // A buffer that owns its memory moves without a copy.
  const own = out.byteOffset === 0 && out.buffer.byteLength === out.length;
  parentPort.postMessage({ id: m.id, out }, own ? [out.buffer] : []);
});
`;

export class InflateWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private next = 0;
  private readonly exited: Promise<void>;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (m: { id: number; out?: Uint8Array; error?: string }) => {
      const w = this.waiting.get(m.id)!;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.out!);
    });
    this.worker.on('error', (e) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
  }

  /** decodePayload, on the worker: same bytes, same error messages. */
  decode(payload: Uint8Array): Promise<Uint8Array> {
    // Stored frames and bad codec bytes need no thread.
    if (payload[0] !== FRAME_CODEC.brotli && payload[0] !== FRAME_CODEC.zstd) return Promise.resolve().then(() => decodePayload(payload));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, payload });
    });
  }

  /**
   * Ends the thread once the requests already sent are done. Not terminate(): terminating the thread in the middle
   * of brotliDecompressSync makes node abort (node_zlib.cc "close before init", seen when a check stopped at a bad
   * segment with decompressions still queued).
   */
  async close(): Promise<void> {
    this.worker.postMessage({ close: true });
    await this.exited;
  }
}
