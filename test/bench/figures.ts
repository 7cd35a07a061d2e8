// One measured figure of the benchmark (issue 11), the statistics the figures use, and the printed table.
import { availableParallelism } from 'node:os';

export interface Figure {
  /** Figure number of issue 11 (1–7). */
  figure: number;
  name: string;
  /** Workspace size the figure was measured on (S, M, L), when it depends on one. */
  size?: string;
  value: number | string;
  unit: string;
  note?: string;
}

export interface MachineFacts {
  cores: number;
  node: string;
  platform: string;
  measuredAt: string;
}

export function machineFacts(): MachineFacts {
  return {
    cores: availableParallelism(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    measuredAt: new Date().toISOString(),
  };
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function formatValue(value: number | string): string {
  if (typeof value === 'string') return value;
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** A Markdown table: readable in a terminal and pasteable into the README unchanged. */
export function figureTable(figures: readonly Figure[], machine: MachineFacts): string {
  const rows = figures.map((entry) => [
    String(entry.figure),
    entry.name,
    entry.size ?? '',
    formatValue(entry.value),
    entry.unit,
    entry.note ?? '',
  ]);
  const header = ['#', 'Figure', 'Size', 'Value', 'Unit', 'Note'];
  const numeric = new Set([0, 3]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (numeric.has(column) ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [
    `Machine: ${machine.cores} cores, Node ${machine.node}, ${machine.platform}; measured ${machine.measuredAt}`,
    '',
    line(header),
    rule,
    ...rows.map(line),
  ].join('\n');
}
