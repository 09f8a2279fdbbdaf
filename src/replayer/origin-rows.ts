// The origin tree (origin.ts) as the rows an interactive view draws: the user opens and closes nodes one at a
// time, so the tree is flattened from the set of open nodes on every frame rather than expanded to a fixed depth
// as `wintrace origin` prints it. Each row's write is a position to go to.

import { constantKind, type OriginExplorer, type OriginNode, type OriginRole, sourceKey } from './origin.ts';

export interface OriginRow {
  readonly node: OriginNode;
  readonly depth: number;
  /** The tree's branch lines before the node: `│  ├─ `. */
  readonly prefix: string;
  readonly open: boolean;
  /** Its write already appears on an earlier row: not opened again, so a loop of writes ends. */
  readonly repeated: boolean;
  /** Opening it may show inputs: false for the initial state, a repeat, or an opened node that had none. */
  readonly openable: boolean;
  /** Opened and without inputs: why (`a constant`, `the return address`). */
  readonly leaf?: string;
}

/** Every row shown with the nodes whose ids are in `open` opened, depth first as `wintrace origin` prints them. */
export function originRows(explorer: OriginExplorer, root: OriginNode, open: ReadonlySet<string>): OriginRow[] {
  const out: OriginRow[] = [];
  const seen = new Set<string>();
  const walk = (node: OriginNode, depth: number, prefix: string, childPrefix: string): void => {
    const key = sourceKey(node);
    const repeated = key !== undefined && seen.has(key);
    if (key !== undefined) seen.add(key);
    const isOpen = !repeated && open.has(node.id);
    const kids = isOpen ? explorer.childrenOf(node) : [];
    const leaf = isOpen && kids.length === 0 ? constantKind(node) ?? 'nothing the trace records' : undefined;
    const openable = !repeated && node.source.kind !== 'initial' && !(isOpen && kids.length === 0);
    out.push({ node, depth, prefix, open: isOpen, repeated, openable, ...(leaf ? { leaf } : {}) });
    kids.forEach((c, i) => {
      const last = i === kids.length - 1;
      walk(c, depth + 1, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(root, 0, '', '');
  return out;
}

/**
 * The nodes to open first: `depth` levels along the values (not the registers that formed an address or a tested
 * condition, which `wintrace origin` also leaves closed by default), a repeated write not again.
 */
export function initiallyOpen(explorer: OriginExplorer, root: OriginNode, depth: number, roles: ReadonlySet<OriginRole> = VALUE_ONLY): Set<string> {
  const open = new Set<string>();
  const seen = new Set<string>();
  const walk = (node: OriginNode, left: number): void => {
    const key = sourceKey(node);
    if (key !== undefined) {
      if (seen.has(key)) return;
      seen.add(key);
    }
    if (left <= 0 || !roles.has(node.role) || node.source.kind === 'initial') return;
    open.add(node.id);
    for (const c of explorer.childrenOf(node)) walk(c, left - 1);
  };
  walk(root, depth);
  return open;
}

const VALUE_ONLY: ReadonlySet<OriginRole> = new Set(['value']);

/**
 * Where to go to see a node's write happen: the instruction that wrote it (standing on it, as `[` stops before a
 * write), or where the emulated Windows wrote it. None for the initial state or a range split into pieces.
 */
export function originJump(n: OriginNode): { position: number; label: string } | undefined {
  const s = n.source;
  if (s.kind === 'instruction') return { position: s.step!, label: `${n.label} = ${n.value} written by ${s.symbol}  ${s.instruction}` };
  if (s.kind === 'windows') return { position: s.step ?? s.position, label: `${n.label} = ${n.value} written by Windows: ${s.detail}` };
  return undefined;
}
