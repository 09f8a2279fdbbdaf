// Opening a program to run: read the file, parse and lay out the PE image at its preferred base, and boot an
// emulated Windows process for it on a fresh engine.

import { basename } from 'node:path';
import { BadImageError } from '../errors.ts';
import { readRegularFile } from '../regular-file.ts';
import type { Engine } from './engine/engine.ts';
import { UnicornEngine } from './engine/unicorn.ts';
import { IMAGE_FILE } from './loader/pe-structs.ts';
import { layoutImage, type LoadedImage, type PeImage, parsePe } from './loader/pe.ts';
import { LAYOUT } from './windows/layout.ts';
import { type ProcessOptions, WindowsProcess } from './windows/process.ts';

/** Largest program file wintrace will read (a Go binary is a few MB). */
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

/** Where a relocatable image goes when its ImageBase is unusable: Go's own default for windows/arm64 programs. */
export const FALLBACK_IMAGE_BASE = 0x1_4000_0000n;

/**
 * Whether [base, base+size) is user address space the emulated Windows leaves free for the program: above the
 * first 64 KiB, below the system areas (TEBs, process data, DLL stubs) and clear of KUSER_SHARED_DATA.
 */
function usableImageRange(base: bigint, size: bigint): boolean {
  const end = base + size;
  if (base < LAYOUT.minimumApplicationAddress || end > LAYOUT.tebBase) return false;
  return end <= LAYOUT.kuserSharedData || base >= LAYOUT.kuserSharedData + 0x10000n;
}

/**
 * The load address: the image's own ImageBase when the emulated address space has room there, else (as Windows
 * relocates an image whose preferred range is taken) FALLBACK_IMAGE_BASE, which needs base relocations.
 */
function chooseBase(img: PeImage): bigint {
  const align = BigInt(img.sectionAlignment);
  const size = (BigInt(img.sizeOfImage) + align - 1n) / align * align;
  if (usableImageRange(img.imageBase, size)) return img.imageBase;
  if (!img.relocatable) {
    throw new BadImageError(img.file, `ImageBase 0x${img.imageBase.toString(16)} + SizeOfImage 0x${size.toString(16)} overlaps ` +
      'the system areas of the emulated address space and the image has no base relocations to move it');
  }
  return FALLBACK_IMAGE_BASE;
}

/** Parses and lays out a program image already in memory; every defect is a BadImageError naming `name`. */
export function loadImageBytes(bytes: Uint8Array, name: string): LoadedImage {
  const img = parsePe(bytes, name);
  if ((img.characteristics & IMAGE_FILE.DLL) !== 0) {
    throw new BadImageError(name, `COFF Characteristics 0x${img.characteristics.toString(16)} mark a DLL (IMAGE_FILE_DLL 0x2000), not a program wintrace can run`);
  }
  return layoutImage(img, chooseBase(img));
}

/** A program file's bytes; a path that is not a readable regular file is a BadImageError naming it. */
export function readProgram(path: string): Uint8Array {
  const r = readRegularFile(path, MAX_IMAGE_BYTES);
  if ('defect' in r) throw new BadImageError(path, r.defect);
  return r;
}

export function loadImage(path: string): LoadedImage {
  return loadImageBytes(readProgram(path), basename(path));
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
