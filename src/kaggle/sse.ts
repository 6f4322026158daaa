// A minimal incremental Server-Sent Events reader: fed decoded text in arbitrary chunks, it
// returns the `data` payload of every complete event (data lines joined by '\n'). Comments
// and the other fields (event, id, retry) are ignored; the log stream does not use them.

import { bodyReader } from './response.js';

export class SseParser {
  private buffer = '';
  private data: string[] = [];

  /** Returns the payloads of the events completed by this chunk. */
  feed(chunk: string): string[] {
    this.buffer += chunk;
    const out: string[] = [];
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line, out);
    }
    return out;
  }

  /** At a clean end of stream: an event whose blank line never came still counts. */
  flush(): string[] {
    const out: string[] = [];
    if (this.buffer !== '') this.line(this.buffer.replace(/\r$/, ''), out);
    this.buffer = '';
    this.line('', out);
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    const value = colon < 0 ? '' : line.slice(colon + 1);
    this.data.push(value.startsWith(' ') ? value.slice(1) : value);
  }
}

/** The event payloads of an SSE response body, as they arrive; the body is released at the end. */
export async function* ssePayloads(response: Response): AsyncGenerator<string, void, undefined> {
  if (!response.body) return;
  const reader = bodyReader(response.body);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      yield* parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
    yield* parser.feed(decoder.decode());
    yield* parser.flush();
  } finally {
    // Also reached when the consumer stops early (END_OF_LOG, abort): close the connection.
    void reader.cancel().catch(() => undefined);
  }
}
