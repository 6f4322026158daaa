// Cuts a JSON array's text into the texts of its object elements as it arrives, whatever its
// layout (all on one line, pretty-printed): a persisted log written in another layout than
// Kaggle's one element per line is read element by element, in memory one element at a time,
// instead of being kept whole. Strings are skipped by quote and backslash only, so the cost is
// linear in the text. Anything between elements that is not an object is ignored.

import { stringEnd } from './json-scan.js';

export class JsonArrayElements {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** An object element is being read: its text so far is in `parts`. */
  private open = false;
  private parts: string[] = [];
  private chars = 0;

  constructor(
    private readonly maxElementChars: number,
    private readonly tooLong: (why: string) => Error,
  ) {}

  /** The texts of the elements this chunk completes. */
  feed(chunk: string): string[] {
    const out: string[] = [];
    // Start of the current element's text in this chunk, when one is open.
    let from = this.open ? 0 : -1;
    let i = 0;
    while (i < chunk.length) {
      if (this.inString) {
        const found = stringEnd(chunk, i, this.escaped);
        this.escaped = found.escaped;
        if (found.end < 0) break;
        this.inString = false;
        i = found.end + 1;
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === 34 /* " */) {
        this.inString = true;
      } else if (c === 123 /* { */ || c === 91 /* [ */) {
        this.depth++;
        if (this.depth === 2 && c === 123) {
          from = i;
          this.open = true;
        }
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        this.depth = Math.max(0, this.depth - 1);
        if (this.depth === 1 && this.open) {
          out.push(this.take(chunk.slice(from, i + 1)));
          from = -1;
          this.open = false;
        }
      }
      i++;
    }
    if (from >= 0) this.keep(chunk.slice(from));
    return out;
  }

  private keep(text: string): void {
    this.chars += text.length;
    if (this.chars > this.maxElementChars) {
      throw this.tooLong(`a persisted log element longer than ${this.maxElementChars} characters`);
    }
    this.parts.push(text);
  }

  private take(tail: string): string {
    this.keep(tail);
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.chars = 0;
    return text;
  }
}
