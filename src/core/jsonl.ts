import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { InputError } from './errors.ts';

/** One parsed JSONL record with its 1-based line number. */
export interface JsonlLine {
  line: number;
  value: unknown;
}

/** Longest JSONL line read by default (bytes, 64 MiB); a longer one is refused before it is parsed. */
export const MAX_JSONL_LINE_BYTES = 64 * 1024 * 1024;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const fatal = new TextDecoder('utf-8', { fatal: true });

/** Bytes as a size for messages, e.g. `1 MB`, `64 MB`, `512 KB`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/**
 * Decodes UTF-8 strictly: a byte sequence that is not UTF-8 (a Latin-1 or GBK file, say) is an
 * InputError naming the file and the line of the first bad byte. A byte-order mark at the start
 * is dropped. `firstLine` is the line number of the buffer's first byte.
 */
export function decodeUtf8(buf: Buffer, displayName: string, firstLine = 1, dropBom = firstLine === 1): string {
  const body = dropBom && buf.subarray(0, 3).equals(BOM) ? buf.subarray(3) : buf;
  if (isUtf8(body)) return fatal.decode(body);
  // The valid prefix re-encodes to the same bytes; the first difference is the first bad byte.
  const again = Buffer.from(body.toString('utf8'), 'utf8');
  let at = 0;
  while (at < body.length && body[at] === again[at]) at++;
  let line = firstLine;
  let lineStart = 0;
  for (let i = 0; i < at; i++) if (body[i] === 0x0a) (line++, (lineStart = i + 1));
  const col = body.subarray(lineStart, at).toString('utf8').length + 1;
  const hex = body[at].toString(16).toUpperCase().padStart(2, '0');
  throw new InputError(`not valid UTF-8 (byte 0x${hex} at column ${col}); save the file as UTF-8`, { file: displayName, line });
}

/**
 * Reads a JSONL file line by line (UTF-8; CRLF or LF; a BOM at the start is ignored). Blank lines
 * are skipped; a line that is not JSON, not UTF-8, or longer than `maxLineBytes` (default
 * MAX_JSONL_LINE_BYTES) throws an InputError naming file and line — unless it is the last line and
 * `tornTail` is set, in which case a line that is not JSON or not UTF-8 is reported through
 * `onTorn` and dropped (a journal cut by a crash). A missing file rejects with the fs error.
 */
export async function* readJsonl(
  file: string,
  opts: { tornTail?: boolean; onTorn?: (line: number) => void; displayName?: string; maxLineBytes?: number } = {},
): AsyncGenerator<JsonlLine> {
  const name = opts.displayName ?? file;
  const max = opts.maxLineBytes ?? MAX_JSONL_LINE_BYTES;
  let n = 0;
  let pending: { line: number; bytes: Buffer } | undefined;
  let parts: Buffer[] = [];
  let partLen = 0;

  // Blank lines are skipped before the pending line is parsed, so a torn record followed only by
  // blank lines is still the last line.
  function* take(bytes: Buffer): Generator<JsonlLine> {
    n++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    const b = n === 1 && bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3, end) : bytes.subarray(0, end);
    if (isBlank(b)) return;
    if (pending) yield { line: pending.line, value: parseLine(pending.bytes, name, pending.line) };
    pending = { line: n, bytes: b };
  }
  const tooLong = (line: number) =>
    new InputError(`line is longer than the limit of ${formatBytes(max)} (a JSONL record per line is expected)`, { file: name, line });

  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      if (partLen + piece.length > max) throw tooLong(n + 1);
      const bytes = parts.length ? Buffer.concat([...parts, piece]) : piece;
      parts = [];
      partLen = 0;
      yield* take(bytes);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (partLen + rest.length > max) throw tooLong(n + 1);
      parts.push(rest);
      partLen += rest.length;
    }
  }
  if (partLen > 0) yield* take(Buffer.concat(parts));
  if (pending) {
    const { line, bytes } = pending;
    let value: unknown;
    try {
      value = parseLine(bytes, name, line);
    } catch (e) {
      if (!opts.tornTail) throw e;
      opts.onTorn?.(line);
      return;
    }
    yield { line, value };
  }
}

function isBlank(b: Buffer): boolean {
  for (const x of b) if (x !== 0x20 && x !== 0x09 && x !== 0x0d) return false;
  return true;
}

function parseLine(bytes: Buffer, file: string, line: number): unknown {
  const text = decodeUtf8(bytes, file, line, false);
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new InputError(`not valid JSON (${msg})`, { file, line });
  }
}

/**
 * A whole JSON file, parsed: InputError naming the file when it is missing ("file not found") or is
 * not valid JSON. The shape is the caller's to check.
 */
export function readJsonFile(file: string): unknown {
  if (!existsSync(file)) throw new InputError('file not found', { file });
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message})`, { file });
  }
}
