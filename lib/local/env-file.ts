// Reads a `.env` file (KEY=VALUE lines, # comments, optional quotes) into the environment without
// overriding variables that are already set: the shell always wins over the file.
import { existsSync, readFileSync } from 'node:fs';

export function loadEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!existsSync(path)) return [];
  const loaded: string[] = [];
  for (const [index, rawLine] of readFileSync(path, 'utf8').split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`${path}:${index + 1}: expected KEY=VALUE`);
    const [, key, rawValue = ''] = match;
    if (!key || env[key] !== undefined) continue;
    const quoted = /^(['"])(.*)\1$/.exec(rawValue);
    env[key] = quoted ? (quoted[2] ?? '') : rawValue.replace(/\s+#.*$/, '');
    loaded.push(key);
  }
  return loaded;
}
