import pc from 'picocolors';
import { readEnv } from '../env.js';
import { UsageError } from '../errors.js';

export type OutputMode = 'terminal' | 'plain' | 'json' | 'events';

/**
 * JSON or event lines when asked; a live terminal when stdout is one (and not CI); plain
 * lines otherwise.
 */
export function outputMode(
  json: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
  events?: boolean,
): OutputMode {
  if (json === true && events === true) {
    throw new UsageError('--json and --events both claim stdout; choose one', {
      hint: '--events: a JSON line per event, the last one `done` (with the record) or `error`',
    });
  }
  if (events === true) return 'events';
  if (json === true) return 'json';
  if (process.stdout.isTTY && env.CI === undefined) return 'terminal';
  return 'plain';
}

export function colors(mode: OutputMode, env: NodeJS.ProcessEnv = process.env) {
  const enabled = mode === 'terminal' && readEnv('NO_COLOR', env) === undefined;
  return pc.createColors(enabled);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
