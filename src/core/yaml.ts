import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { InputError } from './errors.ts';
import { zodToInputError } from './zod-errors.ts';
import { decodeUtf8 } from './jsonl.ts';

/** A validated YAML document and the line of any field path in it. */
export interface YamlWithLines<T> {
  data: T;
  /** 1-based line of the node at `path` (or of its nearest parent that has one). */
  lineOf(path: (string | number)[]): number | undefined;
}

/**
 * Reads a YAML file and validates it with a zod schema; every problem is an InputError naming
 * the file and the line of the offending field.
 */
export async function readYamlFile<S extends z.ZodType>(file: string, schema: S, displayName = file): Promise<z.infer<S>> {
  return (await readYamlFileWithLines(file, schema, displayName)).data;
}

/** As readYamlFile, and keeps the field positions for later messages (e.g. a bad `cases:` entry). */
export async function readYamlFileWithLines<S extends z.ZodType>(file: string, schema: S, displayName = file): Promise<YamlWithLines<z.infer<S>>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new InputError(`cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: displayName });
  }
  // Strict UTF-8 (a Latin-1 or GBK file is named with the line of its first bad byte); a BOM is dropped.
  return parseYamlWithLines(decodeUtf8(bytes, displayName), schema, displayName);
}

/** Parses YAML text and validates it (see readYamlFile). */
export function parseYaml<S extends z.ZodType>(text: string, schema: S, displayName: string): z.infer<S> {
  return parseYamlWithLines(text, schema, displayName).data;
}

function parseYamlWithLines<S extends z.ZodType>(text: string, schema: S, displayName: string): YamlWithLines<z.infer<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
    throw new InputError(`malformed YAML (${err.message.split('\n')[0]})`, { file: displayName, line });
  }
  const lineOf = (path: (string | number)[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const data = doc.toJS({ maxAliasCount: 100 });
  const parsed = schema.safeParse(data);
  if (parsed.success) return { data: parsed.data, lineOf };
  throw zodToInputError(parsed.error, { file: displayName }, lineOf);
}
