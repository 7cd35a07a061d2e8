// Reads a `.env` file (KEY=VALUE lines, # comments, optional quotes) into the environment without
// overriding variables that are already set: the shell always wins over the file.
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../config/index.js';

/** Loads `path` into `env`; returns the keys it set. Throws ConfigError naming the line that is not KEY=VALUE. */
export function loadEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!existsSync(path)) return [];
  // Every line is checked before anything is set: a bad file changes nothing.
  const entries: [string, string][] = [];
  for (const [index, rawLine] of readFileSync(path, 'utf8').split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new ConfigError([`${path}:${index + 1}: expected KEY=VALUE`]);
    const [, key = '', rawValue = ''] = match;
    const quoted = /^(['"])(.*)\1$/.exec(rawValue);
    entries.push([key, quoted ? (quoted[2] ?? '') : rawValue.replace(/\s+#.*$/, '')]);
  }
  const loaded: string[] = [];
  for (const [key, value] of entries) {
    if (env[key] !== undefined) continue;
    env[key] = value;
    loaded.push(key);
  }
  return loaded;
}
