// Reading an HTTP/1.1 response as file-get.ts receives it: the head (status line and header
// fields), and how its body is framed (RFC 9112 section 6.3): none, a Content-Length, chunked
// transfer coding, or until the connection closes. Pure functions and a small decoder, so the
// socket code only moves bytes.

/** The most bytes a response head may have; Node's own parser allows 16 KiB. */
export const MAX_HEAD_BYTES = 64 * 1024;

export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** The body is whatever comes until the server closes the connection. */
  | { kind: 'close' };

export interface ResponseHead {
  status: number;
  /** Lower-cased names; a field sent more than once has its values joined with ", ". */
  headers: Record<string, string>;
  framing: BodyFraming;
  /** The connection may carry another request once this body has been read. */
  reusable: boolean;
}

/** A response the client cannot read; the connection it came on is not used again. */
export class MalformedResponseError extends Error {
  readonly code = 'HPE_INVALID_RESPONSE';
  constructor(message: string) {
    super(`malformed HTTP response: ${message}`);
    this.name = 'MalformedResponseError';
  }
}

/** Parses a head, `text` being everything before the blank line that ends it. */
export function parseHead(text: string): ResponseHead {
  const lines = text.split(/\r?\n/);
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (statusLine === null) {
    throw new MalformedResponseError(
      `bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`,
    );
  }
  const minor = statusLine[1];
  const status = Number(statusLine[2]);
  const headers: Record<string, string> = {};
  let last: string | undefined;
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers[last] = `${headers[last]} ${line.trim()}`; // an obsolete folded line
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
      throw new MalformedResponseError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    }
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    last = name;
  }
  const connection = (headers.connection ?? '').toLowerCase();
  const keepAlive =
    minor === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  const framing = framingOf(status, headers);
  // Transfer-Encoding from an HTTP/1.0 server, or beside a Content-Length, may be a request
  // smuggled into the stream: read this answer, then close the connection (RFC 9112 6.1, 6.3).
  const doubtful =
    headers['transfer-encoding'] !== undefined &&
    (minor === '0' || headers['content-length'] !== undefined);
  return {
    status,
    headers,
    framing,
    reusable: keepAlive && framing.kind !== 'close' && !doubtful,
  };
}

function framingOf(status: number, headers: Record<string, string>): BodyFraming {
  if (status < 200 || status === 204 || status === 304) return { kind: 'none' };
  const coding = headers['transfer-encoding'];
  if (coding !== undefined) {
    // Only a final "chunked" frames the body; any other coding runs until the close.
    return /(?:^|,)\s*chunked\s*$/i.test(coding) ? { kind: 'chunked' } : { kind: 'close' };
  }
  const length = headers['content-length'];
  if (length === undefined) return { kind: 'close' };
  const values = new Set(length.split(',').map((v) => v.trim()));
  const [only] = values;
  if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
    throw new MalformedResponseError(`bad Content-Length ${JSON.stringify(length)}`);
  }
  return { kind: 'length', length: Number(only) };
}

/** The most bytes a chunk-size line or a trailer line may have. */
const MAX_CHUNK_LINE_BYTES = 4096;

/**
 * Decodes chunked transfer coding a piece at a time: `step` consumes bytes from `buffer`
 * between `start` and `end` and says where it stopped, and which of those bytes (if any) were
 * body data. Chunk extensions and trailer fields are read and dropped.
 */
export class ChunkedDecoder {
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  private line = '';
  private left = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  step(buffer: Buffer, start: number, end: number): { next: number; data?: [number, number] } {
    if (this.state === 'data') {
      const take = Math.min(this.left, end - start);
      this.left -= take;
      if (this.left === 0) this.state = 'data-end';
      return { next: start + take, data: [start, start + take] };
    }
    // The other states read lines; a line may arrive over several reads.
    const newline = buffer.indexOf(10, start);
    const stop = newline === -1 || newline >= end ? end : newline;
    this.line += buffer.toString('latin1', start, stop);
    if (this.line.length > MAX_CHUNK_LINE_BYTES) {
      throw new MalformedResponseError('a chunk-size or trailer line is too long');
    }
    if (stop === end) return { next: end };
    const line = this.line.replace(/\r$/, '');
    this.line = '';
    this.endLine(line);
    return { next: stop + 1 };
  }

  private endLine(line: string): void {
    if (this.state === 'size') {
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line)?.[1];
      if (size === undefined) {
        throw new MalformedResponseError(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
      }
      this.left = parseInt(size, 16);
      this.state = this.left === 0 ? 'trailer' : 'data';
    } else if (this.state === 'data-end') {
      if (line !== '') throw new MalformedResponseError('chunk data longer than its size');
      this.state = 'size';
    } else if (this.state === 'trailer' && line === '') {
      this.state = 'done';
    }
  }
}
