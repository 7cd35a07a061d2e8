// Every metric the code publishes is a row of METRIC_NAMES, the table the alarms and dashboard read, so a
// metric cannot be emitted under a name nothing watches.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => join(folder, path));
}

describe('metric names', () => {
  it('every addMetric call in lib/ and functions/ names its metric through METRIC_NAMES', () => {
    const calls: { file: string; name: string }[] = [];
    for (const file of [...sourceFiles('lib'), ...sourceFiles('functions')]) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/addMetric\(\s*([^,]+),/g))
        calls.push({ file, name: match[1]!.trim() });
    }
    expect(calls.length).toBeGreaterThan(15);
    // A metric named by a string literal ('WebhookRejected') instead of a row of the table.
    const loose = calls.filter(({ name }) => /['"`][A-Z]/.test(name));
    expect(loose).toEqual([]);
  });
});
