// Where each pane goes for a terminal size: registers across the top in as many columns as fit, then the
// disassembly beside one side pane (two side panes on wide terminals), then two status lines. 80x24 is the
// smallest size everything fits in (a smaller terminal is told so instead); a larger one gets more columns and rows.

export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly regCols: number;
  readonly regRows: number;
  /** Rows of the disassembly and side panes, under their title line. */
  readonly midRows: number;
  readonly disasmWidth: number;
  readonly sideWidth: number;
  /** A second side pane on wide terminals (0: none). */
  readonly extraWidth: number;
}

export const REG_CELL = 26;
export const MIN_WIDTH = 80;
export const MIN_HEIGHT = 24;

/** What to tell the user when the terminal is smaller than every pane needs (drawing them anyway garbles them). */
export function sizeShortfall(width: number, height: number): string | undefined {
  if (width >= MIN_WIDTH && height >= MIN_HEIGHT) return undefined;
  return `wintrace tui needs a terminal of at least ${MIN_WIDTH}x${MIN_HEIGHT}; this one is ${width}x${height}. Enlarge it, or press q to quit.`;
}

export function computeLayout(width: number, height: number, registers: number): Layout {
  const w = Math.max(MIN_WIDTH, width);
  const h = Math.max(MIN_HEIGHT, height);
  const regCols = Math.max(1, Math.min(6, Math.floor(w / REG_CELL)));
  const regRows = Math.ceil(registers / regCols);
  const midRows = Math.max(3, h - 2 - 1 - regRows - 1);
  if (w >= 150) {
    const disasmWidth = Math.floor(w * 0.5);
    const sideWidth = Math.floor((w - disasmWidth - 2) / 2);
    return { width: w, height: h, regCols, regRows, midRows, disasmWidth, sideWidth, extraWidth: w - disasmWidth - sideWidth - 2 };
  }
  const disasmWidth = Math.floor(w * 0.52);
  return { width: w, height: h, regCols, regRows, midRows, disasmWidth, sideWidth: w - disasmWidth - 1, extraWidth: 0 };
}
