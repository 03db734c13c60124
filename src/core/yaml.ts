import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { InputError } from './errors.ts';
import { zodToInputError } from './zod-errors.ts';

/**
 * Reads a YAML file and validates it with a zod schema; every problem is an InputError naming
 * the file and the line of the offending field.
 */
export async function readYamlFile<S extends z.ZodType>(file: string, schema: S, displayName = file): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: displayName });
  }
  return parseYaml(text.replace(/^\uFEFF/, ''), schema, displayName);
}

/** Parses YAML text and validates it (see readYamlFile). */
export function parseYaml<S extends z.ZodType>(text: string, schema: S, displayName: string): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
    throw new InputError(`malformed YAML (${err.message.split('\n')[0]})`, { file: displayName, line });
  }
  const data = doc.toJS({ maxAliasCount: 100 });
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw zodToInputError(parsed.error, { file: displayName }, (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  });
}
