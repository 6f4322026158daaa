// Names chosen by someone else (a server's output file names) reach the terminal through
// this: control characters (ESC starts colour and title sequences, CR rewrites the line),
// C1 controls and bidirectional overrides are shown as escapes instead of acting.

// eslint-disable-next-line no-control-regex
const unprintable = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** True when `text` holds a character that would act on a terminal instead of showing. */
export function hasUnprintable(text: string): boolean {
  unprintable.lastIndex = 0;
  return unprintable.test(text);
}

/** `text` with every unprintable character written as `\xNN` or `\uNNNN`. */
export function printable(text: string): string {
  return text.replace(unprintable, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
