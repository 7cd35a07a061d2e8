// A one-line progress bar for long syncs: scopes done/total, requests spent, budget left, ETA. On a
// terminal it redraws in place; elsewhere (CI, pipes) it prints a line every 10 % so logs stay short.
import type { PassProgress } from '../sync/index.js';

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const seconds = Math.round(ms / 1000);
  return seconds < 60
    ? `${seconds}s`
    : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

export function describeProgress(progress: PassProgress, width = 24): string {
  const share = progress.total === 0 ? 0 : progress.refreshed / progress.total;
  const filled = Math.round(share * width);
  const eta = share > 0 && share < 1 ? (progress.elapsedMs / share) * (1 - share) : 0;
  return (
    `${progress.workspace} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
    `${progress.refreshed}/${progress.total} scopes · ${progress.requests} requests · ` +
    `${progress.budgetLeft} left this hour · ETA ${formatDuration(eta)}`
  );
}

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  update(progress: PassProgress): void;
  done(): void;
} {
  let lastDecile = -1;
  let drawn = false;
  return {
    update(progress) {
      const line = describeProgress(progress);
      if (stream.isTTY) {
        stream.write(`\r${line.padEnd(stream.columns ? stream.columns - 1 : line.length)}`);
        drawn = true;
        return;
      }
      const decile = progress.total === 0 ? 10 : Math.floor((progress.refreshed / progress.total) * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
