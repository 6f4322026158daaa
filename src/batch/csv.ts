// A small RFC 4180 CSV reader: quoted fields (with "" for a quote, commas and newlines
// inside), CRLF or LF line ends, a BOM at the start. Each row keeps the line it starts on,
// so a bad row is reported as file:line.

export interface CsvRow {
  /** 1-based line where the row starts. */
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let cells: string[] = [];
  let cell = '';
  let rowLine = 1;
  let quoted = false;
  let quoteLine = 0;
  let touched = false; // the row has content (a blank line is no row)
  const endRow = () => {
    if (touched) rows.push({ line: rowLine, cells: [...cells, cell] });
    cells = [];
    cell = '';
    touched = false;
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quoted) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"') {
      if (cell !== '') {
        throw new CsvSyntaxError('a quote inside an unquoted field (quote the whole field)', line);
      }
      if (!touched) rowLine = line;
      quoted = true;
      quoteLine = line;
      touched = true;
    } else if (c === ',') {
      if (!touched) rowLine = line;
      touched = true;
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      endRow();
      line++;
    } else {
      if (!touched) rowLine = line;
      touched = true;
      cell += c;
    }
  }
  if (quoted) throw new CsvSyntaxError('a quoted field is never closed', quoteLine);
  endRow();
  return rows;
}
