// Job timeouts: seconds as a number, or a short duration string (`90s`, `30m`, `2h`, `1h30m`).
// Kaggle ends every session at 12 hours, so a longer timeout could never be honoured.

import { UsageError } from '../errors.js';

export const maxTimeoutSeconds = 12 * 60 * 60;

const durationPattern =
  /^(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?$/i;

const example = 'use seconds (3600) or a duration such as 90s, 30m, 2h or 1h30m';

/** Parses a timeout into seconds; throws UsageError for anything unparsable, <= 0 or > 12h. */
export function parseDuration(input: string | number): number {
  const seconds = typeof input === 'number' ? input : parseDurationString(input);
  if (!Number.isFinite(seconds)) {
    throw new UsageError(`timeout ${JSON.stringify(input)} is not a number`, { hint: example });
  }
  if (seconds <= 0) {
    throw new UsageError(`timeout ${JSON.stringify(input)} must be more than zero`, {
      hint: example,
    });
  }
  if (seconds > maxTimeoutSeconds) {
    throw new UsageError(
      `timeout ${JSON.stringify(input)} is over 12h (${maxTimeoutSeconds} s), Kaggle's session limit`,
      { hint: 'use at most 12h' },
    );
  }
  return seconds;
}

function parseDurationString(input: string): number {
  const text = input.trim();
  // A bare number is seconds, as in the numeric form.
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  const match = durationPattern.exec(text);
  if (text === '' || match === null || match.slice(1).every((part) => part === undefined)) {
    throw new UsageError(`cannot read ${JSON.stringify(input)} as a duration`, { hint: example });
  }
  const [, hours, minutes, secs] = match;
  return Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(secs ?? 0);
}
