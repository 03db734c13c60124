import type { z } from 'zod';
import { InputError, type Location } from './errors.ts';

/**
 * Turns the first zod issue into an InputError naming the file, line and field.
 * `lineOf` maps a field path to a line (YAML keeps positions); JSONL passes the record's line.
 */
export function zodToInputError(
  err: z.ZodError,
  loc: Location,
  lineOf?: (path: (string | number)[]) => number | undefined,
): InputError {
  // An unknown key is usually a typo, and the typo also makes the intended key "missing": name the
  // unknown key first, at its own line.
  const issue = err.issues.find((i) => i.code === 'unrecognized_keys') ?? err.issues[0];
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const field = path.join('.');
  const at = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]] : path;
  const line = lineOf?.(at) ?? loc.line;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problem${err.issues.length > 2 ? 's' : ''})` : '';
  return new InputError(message + more, { ...loc, line, field: field || undefined });
}
