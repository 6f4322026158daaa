// What a live terminal shows of a burst of program output. Progress bars redraw their line
// with `\r` (tqdm): only the last frame of a line is visible anyway, so the frames before it
// are not written. A burst of more lines than anyone can read shows its last lines only; the
// caller says how many were left out (the run's log.jsonl keeps every one).

export interface Fitted {
  text: string;
  /** Whole lines left out. */
  dropped: number;
}

/** Index just past the last `\r` that redraws a line (not a `\r\n`), or -1. */
function lastRedraw(text: string): number {
  for (let i = text.lastIndexOf('\r'); i >= 0; i = text.lastIndexOf('\r', i - 1)) {
    if (text[i + 1] !== '\n') return i;
    if (i === 0) break;
  }
  return -1;
}

/** Drops the redrawn frames of each line (keeping the last), then all but `maxLines` lines. */
export function fitForTerminal(text: string, maxLines: number): Fitted {
  let out = '';
  let start = 0;
  // Line by line: the frames of one line are what lies between its start and its last `\r`.
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(start, end);
    const cr = lastRedraw(line);
    out += cr > 0 ? line.slice(cr) : line;
    start = end;
  }
  let lines = 0;
  let cut = out.length;
  for (let i = out.length - 2; i >= 0; i--) {
    if (out[i] !== '\n') continue;
    lines++;
    if (lines === maxLines) {
      cut = i + 1;
      break;
    }
  }
  if (cut === out.length) return { text: out, dropped: 0 };
  let dropped = 0;
  for (let i = out.indexOf('\n'); i >= 0 && i < cut; i = out.indexOf('\n', i + 1)) dropped++;
  return { text: out.slice(cut), dropped };
}
