// Process defaults for running locally (`npm start`, `bbgov`), imported before anything else so the
// Powertools logger and metrics, created at module load, see them.
//
// Nothing collects EMF metrics locally, and INFO-level JSON logs would bury the progress and summary
// lines people read; both stay configurable through the usual variables.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

// The AWS SDK warns on every process start that Node.js 20 support ends in 2027. Locally that line only
// buries the output people need; Lambda runs Node.js 24. Every other warning still prints.
const emitWarning = process.emitWarning.bind(process);

process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  // The SDK puts the warning's name at the start of its message rather than in the type.
  const text = warning instanceof Error ? `${warning.name}: ${warning.message}` : warning;
  if (text.startsWith('NodeVersionSupportWarning')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
