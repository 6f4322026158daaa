// Takes one top-level string member out of a JSON object's text as it arrives, for answers
// that carry one huge string beside a few small fields: ListKernelSessionOutput's `log` is a
// finished session's whole log, hundreds of MiB for a chatty program, while its file listing
// is small. The rest of the text comes out with the member's value as "" (for JSON.parse),
// and the value's JSON text is kept up to a limit, or only counted past it, so memory stays
// bounded whatever the log's size. Linear: the value is scanned by quote and backslash only.

import { stringEnd } from './json-scan.js';

export interface TakenMember {
  /** The value's JSON text between its quotes (still escaped); undefined when over the limit. */
  raw: string | undefined;
  /** Characters of the value's JSON text. */
  chars: number;
}

export class StringMemberSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Inside a string at depth 1 that is a member name: its text so far (capped). */
  private key: string | undefined;
  private expectKey = false;
  /** After the member's name: 'colon' waits for ':', 'value' for the opening quote. */
  private next: 'colon' | 'value' | undefined;
  private inValue = false;
  private valueEscaped = false;
  private parts: string[] = [];
  private found: TakenMember | undefined;
  private current: TakenMember | undefined;

  constructor(
    private readonly name: string,
    private readonly keepChars: number,
    private readonly maxChars: number,
    private readonly tooLong: (why: string) => Error,
  ) {}

  /** The value taken, once the text ended; undefined when the object had no such member. */
  get member(): TakenMember | undefined {
    return this.found;
  }

  /** The part of the rest of the text this chunk holds. */
  feed(chunk: string): string {
    const out: string[] = [];
    let from = 0; // start of the text to pass on
    let i = 0;
    while (i < chunk.length) {
      if (this.inValue) {
        const found = stringEnd(chunk, i, this.valueEscaped);
        this.valueEscaped = found.escaped;
        const end = found.end;
        this.keep(chunk.slice(i, end < 0 ? chunk.length : end));
        if (end < 0) return out.join('');
        this.inValue = false;
        const member = this.current!;
        member.raw = member.chars > this.keepChars ? undefined : this.parts.join('');
        this.parts = [];
        this.found = member;
        i = end + 1;
        from = i; // the closing quote went out with the opening one
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92 /* \ */) this.escaped = true;
        else if (c === 34 /* " */) {
          this.inString = false;
          if (this.key !== undefined) {
            if (this.key === this.name) this.next = 'colon';
            this.key = undefined;
            this.expectKey = false;
          }
        } else if (this.key !== undefined && this.key.length <= this.name.length) {
          this.key += chunk[i];
        }
        i++;
        continue;
      }
      if (this.next !== undefined && c !== 32 && c !== 9 && c !== 10 && c !== 13) {
        if (this.next === 'colon' && c === 58 /* : */) {
          this.next = 'value';
          i++;
          continue;
        }
        if (this.next === 'value' && c === 34) {
          // The value starts: pass on "" in its place and take what follows.
          out.push(chunk.slice(from, i), '""');
          this.next = undefined;
          this.inValue = true;
          this.valueEscaped = false;
          this.current = { raw: undefined, chars: 0 };
          this.parts = [];
          i++;
          from = i;
          continue;
        }
        this.next = undefined; // not a string value: leave it to JSON.parse
      }
      if (c === 34) {
        this.inString = true;
        this.key = this.depth === 1 && this.expectKey ? '' : undefined;
      } else if (c === 123 /* { */ || c === 91 /* [ */) {
        this.depth++;
        this.expectKey = this.depth === 1 && c === 123;
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        this.depth--;
      } else if (c === 44 /* , */ && this.depth === 1) {
        this.expectKey = true;
      }
      i++;
    }
    out.push(chunk.slice(from));
    return out.join('');
  }

  private keep(text: string): void {
    const member = this.current!;
    member.chars += text.length;
    if (member.chars > this.maxChars) {
      throw this.tooLong(`its ${this.name} is longer than ${this.maxChars} characters`);
    }
    if (member.chars <= this.keepChars) this.parts.push(text);
    else this.parts = [];
  }
}
