// The program's output on its way to the console, gathered into a few large writes: a write
// per log line costs more than the line when a program prints a million of them. The order
// across stdout and stderr is kept (a change of stream writes what was gathered first), and
// whatever else a renderer prints calls flush() first.

export type Stream = 'stdout' | 'stderr';

/** Gathered text past which a write happens at once. */
const BATCH_CHARS = 64 * 1024;

export class LogBatch {
  private stream: Stream = 'stdout';
  private parts: string[] = [];
  private chars = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  /**
   * @param write where the text goes
   * @param delayMs how long text may wait for more: 0 writes as soon as the current burst of
   *   events is over; a live terminal waits a little longer to redraw less often
   */
  constructor(
    private readonly write: (stream: Stream, text: string) => void,
    private readonly delayMs = 0,
  ) {}

  add(stream: Stream, text: string): void {
    if (stream !== this.stream) {
      this.flush();
      this.stream = stream;
    }
    this.parts.push(text);
    this.chars += text.length;
    if (this.chars >= BATCH_CHARS && this.delayMs === 0) this.flush();
    else if (this.timer === undefined) {
      this.timer =
        this.delayMs === 0
          ? setImmediate(() => this.flush())
          : setTimeout(() => this.flush(), this.delayMs);
    }
  }

  /** Writes what is gathered now. */
  flush(): void {
    this.cancelTimer();
    if (this.parts.length === 0) return;
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.chars = 0;
    this.write(this.stream, text);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    if (this.delayMs === 0) clearImmediate(this.timer as NodeJS.Immediate);
    else clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = undefined;
  }
}
