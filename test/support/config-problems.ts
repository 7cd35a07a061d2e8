// What loadConfig refuses in an environment: the ConfigError's problems, or none when it loads.
import { ConfigError, loadConfig } from '../../lib/config/index.js';

/** The problems loadConfig reports for `env` (`[]` when it loads); any other error is thrown. */
export function configProblemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
