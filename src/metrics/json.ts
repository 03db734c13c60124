import { defineScorer } from './scorer.ts';
import type { Case, Score } from '../core/types.ts';

/**
 * JSON output: the reply holds a JSON value that conforms to the case's `schema`.
 *
 * Where the JSON is taken from (`extractJson`), first that parses wins: the whole reply (trimmed); else
 * the first fenced block labelled json (```json … ```), then the first other fenced block; else the first
 * balanced {…} or […] span (strings and escapes respected) that parses. Only that value is validated:
 * a later value in the reply never rescues a wrong first one.
 *
 * The JSON Schema subset (validated by `validateSchema`, checked by `checkSchema`), with the semantics of
 * JSON Schema 2020-12 — a keyword constrains only values of the type it is about:
 * - `type`: one of object, array, string, number, integer, boolean, null, or an array of them
 *   (integer: a number with no fractional part, so 1.0 is an integer);
 * - objects: `properties` (schemas of named properties, checked when present), `required` (names),
 *   `additionalProperties` (false, true, or a schema for properties not named in `properties`);
 * - arrays: `items` (one schema for every element; the tuple form is not supported), `minItems`, `maxItems`;
 * - strings: `minLength`, `maxLength` (in Unicode code points), `pattern` (ECMAScript, unanchored, u flag);
 * - numbers: `minimum`, `maximum` (inclusive);
 * - any value: `enum` (a non-empty array; deep equality), `const`;
 * - annotations that are accepted and ignored: $schema, $id, $comment, title, description, default, examples.
 * Any other keyword ($ref, oneOf, format, …) is refused by check(), so that a suite never believes a
 * constraint is enforced when it is not. A schema must be an object (boolean schemas are refused too,
 * except as the value of additionalProperties).
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = Record<string, unknown>;

const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'] as const;
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples']);
const KEYWORDS = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems',
  'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'enum', 'const',
]);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

const patternCache = new Map<string, RegExp | string>();
function compile(pattern: string): RegExp | string {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch (e) {
      re = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    }
    patternCache.set(pattern, re);
  }
  return re;
}

/** The first problem of a schema, as "path: message", or undefined when it is a valid schema of the subset. */
export function checkSchema(schema: unknown, path = 'schema'): string | undefined {
  if (!isObject(schema)) return `${path}: a schema must be a JSON object, got ${Array.isArray(schema) ? 'an array' : JSON.stringify(schema)}`;
  for (const k of Object.keys(schema)) {
    if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) {
      return `${path}: keyword "${k}" is not supported (supported: ${[...KEYWORDS].join(', ')})`;
    }
  }
  const s = schema;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.length === 0) return `${path}.type: an empty list of types`;
    for (const t of types) {
      if (typeof t !== 'string' || !(TYPES as readonly string[]).includes(t)) {
        return `${path}.type: unknown type ${JSON.stringify(t)} (known: ${TYPES.join(', ')})`;
      }
    }
    if (new Set(types).size !== types.length) return `${path}.type: a type is listed twice`;
  }
  if (s.properties !== undefined) {
    if (!isObject(s.properties)) return `${path}.properties: must be an object of schemas`;
    for (const [name, sub] of Object.entries(s.properties)) {
      const bad = checkSchema(sub, `${path}.properties.${name}`);
      if (bad) return bad;
    }
  }
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string')) return `${path}.required: must be an array of property names`;
    if (new Set(s.required).size !== s.required.length) return `${path}.required: a name is listed twice`;
    if (s.additionalProperties === false) {
      const named = isObject(s.properties) ? s.properties : {};
      const missing = (s.required as string[]).find((r) => !(r in named));
      if (missing !== undefined) return `${path}.required: "${missing}" is required but additionalProperties is false and properties does not name it`;
    }
  }
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') {
    const bad = checkSchema(s.additionalProperties, `${path}.additionalProperties`);
    if (bad) return bad;
  }
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) return `${path}.items: the tuple form (an array of schemas) is not supported; give one schema`;
    const bad = checkSchema(s.items, `${path}.items`);
    if (bad) return bad;
  }
  for (const k of ['minItems', 'maxItems', 'minLength', 'maxLength'] as const) {
    if (s[k] !== undefined && !isCount(s[k])) return `${path}.${k}: must be a whole number ≥ 0`;
  }
  for (const k of ['minimum', 'maximum'] as const) {
    if (s[k] !== undefined && (typeof s[k] !== 'number' || !Number.isFinite(s[k]))) return `${path}.${k}: must be a number`;
  }
  for (const [lo, hi] of [['minItems', 'maxItems'], ['minLength', 'maxLength'], ['minimum', 'maximum']] as const) {
    if (typeof s[lo] === 'number' && typeof s[hi] === 'number' && (s[lo] as number) > (s[hi] as number)) {
      return `${path}: ${lo} ${s[lo]} is above ${hi} ${s[hi]}`;
    }
  }
  if (s.pattern !== undefined) {
    if (typeof s.pattern !== 'string') return `${path}.pattern: must be a string`;
    const re = compile(s.pattern);
    if (typeof re === 'string') return `${path}.pattern: ${JSON.stringify(s.pattern)} does not compile: ${re}`;
  }
  if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0)) return `${path}.enum: must be a non-empty array`;
  return undefined;
}

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: Json, t: string): boolean {
  switch (t) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return typeOf(v) === t;
  }
}

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k] as Json, b[k] as Json));
  }
  return false;
}

const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 30 ? `${s.slice(0, 30)}…` : s;
};

/**
 * Every way `value` breaks `schema` (a schema that passed `checkSchema`), as "$.path: message",
 * at most `limit` of them.
 */
export function validateSchema(value: Json, schema: Schema, path = '$', out: string[] = [], limit = 20): string[] {
  if (out.length >= limit) return out;
  const err = (m: string) => out.length < limit && out.push(`${path}: ${m}`);
  if (schema.type !== undefined) {
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
    if (!types.some((t) => hasType(value, t))) {
      err(`expected ${types.join(' or ')}, got ${typeof value === 'number' && types.includes('integer') ? 'a non-integer number' : typeOf(value)}`);
      return out;
    }
  }
  if (schema.enum !== undefined && !(schema.enum as Json[]).some((e) => jsonEqual(e, value))) err(`${show(value)} is not one of ${show(schema.enum)}`);
  if (schema.const !== undefined && !jsonEqual(schema.const as Json, value)) err(`${show(value)} is not ${show(schema.const)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) err(`${value} is below the minimum ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) err(`${value} is above the maximum ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (typeof schema.minLength === 'number' && len < schema.minLength) err(`string of ${len} characters, fewer than minLength ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && len > schema.maxLength) err(`string of ${len} characters, more than maxLength ${schema.maxLength}`);
    if (typeof schema.pattern === 'string') {
      const re = compile(schema.pattern);
      if (typeof re !== 'string' && !re.test(value)) err(`${show(value)} does not match pattern ${JSON.stringify(schema.pattern)}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) err(`${value.length} items, fewer than minItems ${schema.minItems}`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) err(`${value.length} items, more than maxItems ${schema.maxItems}`);
    if (isObject(schema.items)) value.forEach((v, i) => validateSchema(v, schema.items as Schema, `${path}[${i}]`, out, limit));
  }
  if (isObject(value)) {
    const props = isObject(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
    for (const r of (schema.required as string[] | undefined) ?? []) {
      if (!Object.hasOwn(value, r)) err(`missing required property "${r}"`);
    }
    for (const [k, v] of Object.entries(value)) {
      const sub = `${path}${/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`}`;
      if (Object.hasOwn(props, k)) validateSchema(v as Json, props[k], sub, out, limit);
      else if (schema.additionalProperties === false) err(`property "${k}" is not allowed`);
      else if (isObject(schema.additionalProperties)) validateSchema(v as Json, schema.additionalProperties, sub, out, limit);
    }
  }
  return out;
}

function tryParse(s: string): { ok: true; value: Json } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(s) as Json };
  } catch {
    return { ok: false };
  }
}

/** End (exclusive) of the balanced {…} or […] span opening at `start`, or -1. */
function balancedEnd(t: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < t.length; i++) {
    const ch = t[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') stack.push(ch === '{' ? '}' : ']');
    else if (ch === '}' || ch === ']') {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

/** Where the JSON came from. */
export type JsonSource = 'whole' | 'fenced' | 'span';

/** The JSON value a reply gives (see the module comment), or null when none parses. */
export function extractJson(text: string): { value: Json; source: JsonSource } | null {
  const whole = tryParse(text.trim());
  if (whole.ok) return { value: whole.value, source: 'whole' };
  const fences = [...text.matchAll(/```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)```/g)];
  const ordered = [...fences.filter((f) => /^json/i.test(f[1])), ...fences.filter((f) => !/^json/i.test(f[1]))];
  for (const f of ordered) {
    const r = tryParse(f[2].trim());
    if (r.ok) return { value: r.value, source: 'fenced' };
  }
  let tries = 0;
  for (let i = 0; i < text.length && tries < 200; i++) {
    const ch = text[i];
    if (ch !== '{' && ch !== '[') continue;
    tries++;
    const end = balancedEnd(text, i);
    if (end < 0) continue;
    const r = tryParse(text.slice(i, end));
    if (r.ok) return { value: r.value, source: 'span' };
  }
  return null;
}

export const json = defineScorer({
  id: 'json',
  check(c: Case) {
    if (c.schema === undefined) return { field: 'schema', message: 'a json case needs "schema" (a JSON Schema object)' };
    const bad = checkSchema(c.schema);
    if (bad) return { field: 'schema', message: `invalid schema: ${bad}` };
    return undefined;
  },
  request: () => ({ maxTokens: 512 }),
  score(c, reply): Score {
    const found = extractJson(reply.output);
    if (!found) {
      return { caseId: c.id, indicator: c.indicator, value: 0, pass: false, reason: 'no JSON value found in the reply', extra: { parsed: 0 } };
    }
    const errors = validateSchema(found.value, c.schema as Schema, '$', [], 4);
    const ok = errors.length === 0;
    const where = found.source === 'whole' ? 'the reply' : found.source === 'fenced' ? 'a fenced block' : 'a span of the reply';
    return {
      caseId: c.id,
      indicator: c.indicator,
      value: ok ? 1 : 0,
      pass: ok,
      reason: ok ? `JSON in ${where} conforms to the schema` : `JSON in ${where} breaks the schema: ${errors.slice(0, 3).join('; ')}${errors.length > 3 ? '; …' : ''}`,
      extra: { parsed: 1, source: found.source },
    };
  },
});
