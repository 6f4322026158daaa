// A minimal incremental Server-Sent Events reader: fed decoded text in arbitrary chunks, it
// returns the `data` payload of every complete event (data lines joined by '\n'). Comments
// and the other fields (event, id, retry) are ignored; the log stream does not use them.
// Linear in the input however long a line is: a chunk is scanned once, and an unfinished
// line is kept as pieces joined when its end comes. A line past MAX_LINE_CHARS (no log line
// is that long; only a broken or hostile server sends one) is not kept: its event becomes a
// notice saying so, and memory stays bounded.

import { bodyReader } from './response.js';

export const MAX_LINE_CHARS = 8 * 1024 * 1024;

export class SseParser {
  private pieces: string[] = [];
  private pieceChars = 0;
  /** Characters of the unfinished line not kept (over the limit). */
  private overflow = 0;
  private data: string[] = [];
  private dataChars = 0;
  private cut = 0;

  /** Returns the payloads of the events completed by this chunk. */
  feed(chunk: string): string[] {
    const out: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      this.keep(chunk.slice(start, nl));
      start = nl + 1;
      this.endLine(out);
    }
    if (start < chunk.length) this.keep(chunk.slice(start));
    return out;
  }

  /** At a clean end of stream: an event whose blank line never came still counts. */
  flush(): string[] {
    const out: string[] = [];
    if (this.pieceChars > 0 || this.overflow > 0) this.endLine(out);
    this.line('', out);
    return out;
  }

  private keep(piece: string): void {
    if (piece === '') return;
    if (this.overflow > 0 || this.pieceChars + piece.length > MAX_LINE_CHARS) {
      this.overflow += piece.length;
      return;
    }
    this.pieces.push(piece);
    this.pieceChars += piece.length;
  }

  private endLine(out: string[]): void {
    const whole = this.pieces.length === 1 ? this.pieces[0]! : this.pieces.join('');
    const overflow = this.overflow;
    this.pieces = [];
    this.pieceChars = 0;
    this.overflow = 0;
    if (overflow > 0) {
      this.cut += whole.length + overflow;
      return;
    }
    this.line(whole.endsWith('\r') ? whole.slice(0, -1) : whole, out);
  }

  private line(line: string, out: string[]): void {
    if (line === '') {
      if (this.cut > 0) {
        out.push(
          `[kaggle-run] a log event of ${this.cut} characters was left out (over the ${MAX_LINE_CHARS / (1024 * 1024)} MiB limit)`,
        );
      } else if (this.data.length > 0) out.push(this.data.join('\n'));
      this.data = [];
      this.dataChars = 0;
      this.cut = 0;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    const value = colon < 0 ? '' : line.slice(colon + 1);
    const text = value.startsWith(' ') ? value.slice(1) : value;
    if (this.cut > 0 || this.dataChars + text.length > MAX_LINE_CHARS) {
      // An event of many data lines grows as a long line would: bounded the same way.
      this.cut += this.dataChars + text.length;
      this.data = [];
      this.dataChars = 0;
      return;
    }
    this.data.push(text);
    this.dataChars += text.length;
  }
}

/**
 * The event payloads of an SSE response body as they arrive, a chunk's worth at a time
 * (one yield per chunk, not per event); the body is released at the end.
 */
export async function* ssePayloads(response: Response): AsyncGenerator<string[], void, undefined> {
  if (!response.body) return;
  const reader = bodyReader(response.body);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      const payloads = parser.feed(decoder.decode(chunk.value, { stream: true }));
      if (payloads.length > 0) yield payloads;
    }
    const last = [...parser.feed(decoder.decode()), ...parser.flush()];
    if (last.length > 0) yield last;
  } finally {
    // Also reached when the consumer stops early (END_OF_LOG, abort): close the connection.
    void reader.cancel().catch(() => undefined);
  }
}
