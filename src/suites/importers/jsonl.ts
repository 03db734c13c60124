import { basename } from 'node:path';
import { InputError } from '../../core/errors.ts';
import { readJsonl } from '../../core/jsonl.ts';
import { Lang, type Case } from '../../core/schemas.ts';
import { CHOICE_PROMPTS, ScenarioBook, choiceCase, findLicense, letterIndex, letterOf, pad, requireSome, slugify, suiteFile, type ImportResult, type Importer, type Skip } from './common.ts';

/** Fields `--map` may set, and their defaults. */
export const MAP_FIELDS = ['input', 'choices', 'answer', 'id', 'scenario', 'lang', 'ref'] as const;
const DEFAULT_MAP: Record<string, string> = { input: 'question', choices: 'choices', answer: 'answer' };

const MISSING = Symbol('missing');

/** Splits `a.b[0].c` / `a.b.0.c` into keys. */
export function pathKeys(path: string): string[] {
  const keys: string[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new InputError(`--map: bad path "${path}" (use a.b, a.0 or a[0])`);
    if (m[1]) keys.push(m[1]);
    for (const ix of m[2].matchAll(/\[(\d+)\]/g)) keys.push(ix[1]);
  }
  if (keys.length === 0) throw new InputError(`--map: empty path`);
  return keys;
}

/** The value at a path, or MISSING. */
export function getPath(doc: unknown, keys: string[]): unknown {
  let v: unknown = doc;
  for (const k of keys) {
    if (Array.isArray(v) && /^\d+$/.test(k)) v = v[Number(k)];
    else if (typeof v === 'object' && v !== null && Object.hasOwn(v, k)) v = (v as Record<string, unknown>)[k];
    else return MISSING;
    if (v === undefined) return MISSING;
  }
  return v;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);

/** Choices from a list, an ARC-style `{text: [...], label: [...]}`, or an object keyed by letters. */
export function readChoices(v: unknown): { choices: string[]; labels?: string[] } | string {
  if (Array.isArray(v)) {
    const out = v.map(text);
    return out.every((x): x is string => x !== null) ? { choices: out } : 'the choices are not all text';
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.text)) {
      const r = readChoices(o.text);
      if (typeof r === 'string') return r;
      const labels = Array.isArray(o.label) ? o.label.map((x) => text(x) ?? '') : undefined;
      return { choices: r.choices, labels };
    }
    const keys = Object.keys(o).sort();
    if (keys.length && keys.every((k) => /^[A-Ja-j]$/.test(k))) {
      const r = readChoices(keys.map((k) => o[k]));
      return typeof r === 'string' ? r : { choices: r.choices, labels: keys.map((k) => k.toUpperCase()) };
    }
  }
  return 'the choices are not a list';
}

/**
 * An answer as an option index: a 0-based index (number or digits), a letter A..J, or one of the
 * choices' labels. Null when it names no option.
 */
export function answerIndex(v: unknown, count: number, labels?: string[]): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v < count ? v : null;
  if (typeof v !== 'string') return null;
  const t = v.trim();
  if (labels) {
    const j = labels.findIndex((l) => l.trim() === t);
    if (j >= 0 && j < count) return j;
  }
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n < count ? n : null;
  }
  return letterIndex(t, count);
}

/**
 * Generic JSONL: one object per line; `--map field=path,...` says where each case field comes from
 * (defaults input=question, choices=choices, answer=answer). `choices` may join several fields
 * with `+` (choices=A+B+C+D). The answer is a 0-based index or a letter.
 */
export const jsonl: Importer = {
  id: 'jsonl',
  summary: 'generic JSONL with --map input=…,choices=…,answer=…[,id=…,scenario=…,lang=…,ref=…] (answer: 0-based index or letter)',
  async run(opts): Promise<ImportResult> {
    const file = opts.source;
    const map = { ...DEFAULT_MAP, ...(opts.map ?? {}) };
    const paths: Record<string, string[][]> = {};
    for (const [k, p] of Object.entries(map)) paths[k] = (k === 'choices' ? p.split('+') : [p]).map((x) => pathKeys(x.trim()));
    const stem = basename(file).replace(/\.jsonl?$/i, '');
    const book = new ScenarioBook();
    const cases: Case[] = [];
    const skipped: Skip[] = [];
    const ids = new Map<string, number>();
    let read = 0;
    for await (const { line, value } of readJsonl(file)) {
      read++;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError('a record must be a JSON object', { file, line });
      const get = (f: string) => getPath(value, paths[f][0]);
      const rawId = paths.id ? text(get('id')) : null;
      const rec = `${basename(file)}:${line}${rawId ? ` (id ${rawId})` : ''}`;
      const bad = (msg: string) => new InputError(`${rawId ? `id ${rawId}: ` : ''}${msg}`, { file, line });
      const skip = (kind: string, reason: string) => skipped.push({ record: rec, kind, reason });

      const input = get('input');
      if (input === MISSING) {
        skip('no input', `no field "${map.input}"`);
        continue;
      }
      if (text(input) === null) throw bad(`field "${map.input}" is not text`);
      let choices: string[];
      let labels: string[] | undefined;
      if (paths.choices.length > 1) {
        const vals = paths.choices.map((p) => getPath(value, p));
        const miss = vals.findIndex((v) => v === MISSING);
        if (miss >= 0) {
          skip('no choices', `no field "${map.choices.split('+')[miss].trim()}"`);
          continue;
        }
        const r = readChoices(vals);
        if (typeof r === 'string') throw bad(r);
        choices = r.choices;
      } else {
        const v = get('choices');
        if (v === MISSING) {
          skip('no choices', `no field "${map.choices}"`);
          continue;
        }
        const r = readChoices(v);
        if (typeof r === 'string') throw bad(`field "${map.choices}": ${r}`);
        ({ choices, labels } = r);
      }
      const a = get('answer');
      if (a === MISSING || a === null || a === '') {
        skip('no answer', `no answer (field "${map.answer}")`);
        continue;
      }
      const answer = answerIndex(a, choices.length, labels);
      if (answer === null) {
        throw bad(`answer ${JSON.stringify(a)} names no option (${choices.length} options: 0..${choices.length - 1} or A..${letterOf(choices.length - 1)})`);
      }
      let lang = opts.lang ?? 'en';
      if (paths.lang && get('lang') !== MISSING) {
        const l = text(get('lang'));
        const parsed = Lang.safeParse(l?.trim().toLowerCase());
        if (!parsed.success) {
          skip('unsupported language', `language ${JSON.stringify(l)} is neither zh nor en`);
          continue;
        }
        lang = parsed.data;
      }
      const scen = paths.scenario ? text(get('scenario'))?.trim() : undefined;
      const scenario = book.id(scen || stem, { zh: scen || stem, en: scen || stem });
      const id = `${opts.id}-${rawId ? slugify(rawId, 'r') : pad(read)}`;
      const prev = ids.get(id);
      if (prev) throw bad(`the id repeats (first on line ${prev})`);
      ids.set(id, line);
      const ref = paths.ref ? text(get('ref')) : null;
      const built = choiceCase({
        id,
        scenario,
        lang,
        input: text(input)!,
        choices,
        answer,
        source: `imported from ${basename(file)} ${rawId ? `id ${rawId}` : `line ${line}`}`,
        ref: ref ?? undefined,
      });
      if ('case' in built) cases.push(built.case);
      else skip(built.kind, built.reason);
    }
    const result = { cases, skipped, read };
    requireSome(result, { file });
    const license = findLicense(file);
    return {
      ...result,
      suite: suiteFile({
        id: opts.id,
        industry: opts.id,
        name: { zh: `${opts.id}（JSONL 导入）`, en: `${opts.id} (imported JSONL)` },
        description: {
          zh: `由 modelgrade import jsonl 从 ${basename(file)} 导入的单项选择题；请遵守原数据的许可条款。`,
          en: `Multiple-choice questions imported from ${basename(file)} by modelgrade import jsonl; the source data's licence terms apply.`,
        },
        scenarios: book.used(cases),
        prompts: CHOICE_PROMPTS,
      }),
      license,
      notes: license ? [] : ['no LICENSE file lies next to the source: check the data\'s terms before sharing anything made from it'],
      header: [`Imported by "modelgrade import jsonl" from ${basename(file)} (map ${Object.entries(map).map(([k, v]) => `${k}=${v}`).join(',')}).`],
    };
  },
};
