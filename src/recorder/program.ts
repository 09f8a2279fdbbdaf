// Opening a program to run: read the file, parse and lay out the PE image at its preferred base, and boot an
// emulated Windows process for it on a fresh engine.

import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { BadImageError } from '../errors.ts';
import type { Engine } from './engine/engine.ts';
import { UnicornEngine } from './engine/unicorn.ts';
import { layoutImage, type LoadedImage, parsePe } from './loader/pe.ts';
import { type ProcessOptions, WindowsProcess } from './windows/process.ts';

/** Largest program file wintrace will read (a Go binary is a few MB). */
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

export function loadImage(path: string): LoadedImage {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new BadImageError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > MAX_IMAGE_BYTES) throw new BadImageError(path, `file is ${size} bytes, larger than the ${MAX_IMAGE_BYTES}-byte limit`);
  const bytes = new Uint8Array(readFileSync(path));
  const img = parsePe(bytes, basename(path));
  return layoutImage(img, img.imageBase);
}

export interface Program {
  engine: Engine;
  process: WindowsProcess;
  image: LoadedImage;
}

/** The guest's path for a host program file: C:\wintrace\<name>. */
export function guestPath(hostPath: string): string {
  return `C:\\wintrace\\${basename(hostPath)}`;
}

export function openProgram(path: string, options: Omit<ProcessOptions, 'imagePath'> & { imagePath?: string }): Program {
  const image = loadImage(path);
  const engine = new UnicornEngine();
  try {
    const process = new WindowsProcess(engine, image, { imagePath: guestPath(path), ...options });
    return { engine, process, image };
  } catch (e) {
    engine.close();
    throw e;
  }
}
