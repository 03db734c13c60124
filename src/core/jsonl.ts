import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError } from './errors.ts';

/** One parsed JSONL record with its 1-based line number. */
export interface JsonlLine {
  line: number;
  value: unknown;
}

/**
 * Reads a JSONL file line by line. Blank lines are skipped; a line that is not JSON throws an
 * InputError naming file and line — unless it is the last line and `tornTail` is set, in which case
 * it is reported through `onTorn` and dropped (a journal cut by a crash).
 */
export async function* readJsonl(
  file: string,
  opts: { tornTail?: boolean; onTorn?: (line: number) => void; displayName?: string } = {},
): AsyncGenerator<JsonlLine> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let pending: { line: number; text: string } | undefined;
  const name = opts.displayName ?? file;
  for await (const raw of rl) {
    n++;
    const text = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    // Blank lines are skipped before the pending line is parsed, so a torn record followed only by
    // blank lines is still the last line.
    if (text.trim() === '') continue;
    if (pending) {
      yield { line: pending.line, value: parseLine(pending.text, name, pending.line) };
      pending = undefined;
    }
    pending = { line: n, text };
  }
  if (pending) {
    try {
      yield { line: pending.line, value: JSON.parse(pending.text) };
    } catch (e) {
      if (!opts.tornTail) throw jsonError(e, name, pending.line);
      opts.onTorn?.(pending.line);
    }
  }
}

function parseLine(text: string, file: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw jsonError(e, file, line);
  }
}

function jsonError(e: unknown, file: string, line: number): InputError {
  const msg = e instanceof Error ? e.message : String(e);
  return new InputError(`not valid JSON (${msg})`, { file, line });
}
