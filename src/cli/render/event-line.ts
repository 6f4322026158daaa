// `--events`: one JSON object a line on stdout, `{"v": 1, "type": ..., ...fields}`, exactly
// the library's typed events (RunEvent, SweepEvent) plus the final `error` line. Hosts in
// other languages read it instead of parsing human lines. `v` changes only when a field is
// renamed, removed or changes meaning; new event types and new fields keep it (README).

export const EVENTS_SCHEMA_VERSION = 1;

export function eventLine<E extends { type: string }>(event: E): string {
  const { type, ...fields } = event;
  return `${JSON.stringify({ v: EVENTS_SCHEMA_VERSION, type, ...fields })}\n`;
}
