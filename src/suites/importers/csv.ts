import { InputError } from '../../core/errors.ts';

/** One CSV record with the 1-based line where it starts. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Parses CSV text after RFC 4180: records end at CRLF, LF or CR; a field in double quotes may hold
 * commas, line breaks and doubled quotes (""). A UTF-8 BOM is dropped. Empty lines between records
 * are skipped. An unterminated quoted field, or text after a closing quote, is an InputError naming
 * the line.
 */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const s = text.replace(/^\uFEFF/, '');
  const out: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  const n = s.length;
  while (i < n) {
    // Skip an empty line (a record of zero characters).
    if (s[i] === '\r' || s[i] === '\n') {
      i += s[i] === '\r' && s[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (s[i] === '"') {
        const openLine = line;
        i++;
        for (;;) {
          if (i >= n) throw new InputError(`unterminated quoted field (opened on line ${openLine})`, { file, line: start });
          const ch = s[i];
          if (ch === '"') {
            if (s[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\r' || ch === '\n') {
            // A line break inside a quoted field is kept as "\n", whichever the file uses.
            field += '\n';
            i += ch === '\r' && s[i + 1] === '\n' ? 2 : 1;
            line++;
            continue;
          }
          field += ch;
          i++;
        }
        if (i < n && s[i] !== ',' && s[i] !== '\r' && s[i] !== '\n') {
          throw new InputError(`unexpected ${JSON.stringify(s[i])} after a closing quote (a quote inside a quoted field must be doubled: "")`, { file, line });
        }
      } else {
        const from = i;
        while (i < n && s[i] !== ',' && s[i] !== '\r' && s[i] !== '\n') i++;
        field = s.slice(from, i);
      }
      fields.push(field);
      if (i < n && s[i] === ',') {
        i++;
        continue;
      }
      // End of record: line break or end of text.
      if (i < n) {
        i += s[i] === '\r' && s[i + 1] === '\n' ? 2 : 1;
        line++;
      }
      break;
    }
    out.push({ line: start, fields });
  }
  return out;
}

/** Records as objects keyed by the header row (the first record). */
export function csvObjects(text: string, file: string): { line: number; doc: Record<string, string> }[] {
  const [head, ...rows] = parseCsv(text, file);
  if (!head) return [];
  const names = head.fields.map((f) => f.trim());
  return rows.map((r) => {
    if (r.fields.length !== names.length) {
      throw new InputError(`${r.fields.length} fields; the header has ${names.length}`, { file, line: r.line });
    }
    const doc: Record<string, string> = {};
    names.forEach((k, j) => (doc[k] = r.fields[j]));
    return { line: r.line, doc };
  });
}
