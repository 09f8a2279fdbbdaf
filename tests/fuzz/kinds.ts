// The fuzz kinds by name. Each entry names the module and export a worker process loads, so a kind is only
// imported where it runs; a new kind (trace files) is one more line here.

export interface KindRef {
  /** Module URL, resolved by the worker. */
  module: string;
  /** Name of the export holding the FuzzKind. */
  export: string;
}

export const KINDS: Readonly<Record<string, KindRef>> = {
  pe: { module: new URL('./pe-kind.ts', import.meta.url).href, export: 'peKind' },
  trace: { module: new URL('./trace-kind.ts', import.meta.url).href, export: 'traceKind' },
  special: { module: new URL('./special-file-kind.ts', import.meta.url).href, export: 'specialFileKind' },
  interrupt: { module: new URL('./interrupt-kind.ts', import.meta.url).href, export: 'interruptKind' },
  'wild-branch': { module: new URL('./wild-branch-kind.ts', import.meta.url).href, export: 'wildBranchKind' },
  'hostile-strings': { module: new URL('./hostile-strings-kind.ts', import.meta.url).href, export: 'hostileStringsKind' },
};

export function kindRef(name: string): KindRef {
  const k = KINDS[name];
  if (k === undefined) throw new Error(`unknown fuzz kind '${name}' (known: ${Object.keys(KINDS).join(', ')})`);
  return k;
}
