// The two bottom lines: where you are (position/total, percentage, the Go that built the program, thread, symbol,
// goroutine, breakpoints, watch, the followed goroutine) with the key hint, then the prompt being typed, a continue's progress, or what the last key did.

import { tidName } from '../../replayer/describe.ts';
import { PROMPT_LABELS, type UiState } from '../state/ui-state.ts';
import { type Line, seg } from './Lines.tsx';

export function statusLines(s: UiState, total: number, tid: number, symbol: string, goVersion?: string, goroutine = ''): Line[] {
  const pct = total > 0 ? ((s.position / total) * 100).toFixed(2) : '100.00';
  const extras = [
    s.breakpoints.size ? `bp:${s.breakpoints.size}` : '',
    s.watch ? `watch:${s.watch.label}` : '',
    s.follow ? `follow:goroutine ${s.follow.goid}` : '',
  ].filter(Boolean).join(' ');
  const first: Line = [
    seg(` ${s.position}/${total} ${pct}% `, { inverse: true, bold: true }),
    ...(goVersion ? [seg(` ${goVersion}`, { dim: true })] : []),
    seg(` thread ${tidName(tid)} `, { color: 'cyan' }),
    seg(`${symbol} `, { bold: true }),
    ...(goroutine ? [seg(`${goroutine} `, { color: 'magenta' })] : []),
    ...(extras ? [seg(`${extras} `, { color: 'yellow' })] : []),
    seg(' ? keys', { dim: true }),
  ];
  let second: Line;
  if (s.prompt) {
    const fallback = s.prompt.fallback ? ` [Enter: ${s.prompt.fallback}]` : '';
    second = [seg(`${PROMPT_LABELS[s.prompt.kind]}${fallback}: `, { color: 'yellow' }), seg(`${s.prompt.text}_`, { bold: true })];
  }
  else if (s.running) second = [seg(`${s.running.dir > 0 ? 'continuing' : 'reverse-continuing'}... scanned to ${s.running.reached} (Esc stops)`, { color: 'yellow' })];
  else second = [seg(s.message || 'tab/1-9 panes  s/S step  n/N step over  c/C continue  g go to  e/p/v next event/episode/violation', s.message ? {} : { dim: true })];
  return [first, second];
}
