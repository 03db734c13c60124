import { defineScorer } from './scorer.ts';
import type { Case } from '../core/types.ts';

/**
 * Instruction following: the reply meets the case's `constraints`. Each key given is one constraint;
 * value = share of constraints met; pass when all are met.
 *
 * The reply is trimmed first. Text comparisons (must_include, must_not_include, starts_with,
 * ends_with) are made after NFKC folding and lower-casing both sides ("：" = ":", "ＡＢＣ" = "abc").
 * - `max_chars`, `min_chars`: length in Unicode code points (a Chinese character is one);
 * - `max_lines`: lines that are not blank;
 * - `must_include`, `must_not_include`: every listed string occurs / none occurs (one constraint each key);
 * - `starts_with`, `ends_with`: the trimmed reply starts / ends with the string;
 * - `language`: "zh" when CJK ideographs are at least half of the letters (\p{L}); "en" when Latin
 *   letters are at least half of them; a reply without letters meets neither;
 * - `bullet_count`: exactly this many list items — lines starting with "-", "*", "+", "•", "·", "●", "▪",
 *   "◦" and a space, "1." / "1)" / "1、" (not "3.5"), "(1)" / "（1）", "①"…"⑳", or "一、".
 */

export type Constraints = NonNullable<Case['constraints']>;
const KEYS = ['max_chars', 'min_chars', 'max_lines', 'must_include', 'must_not_include', 'starts_with', 'ends_with', 'language', 'bullet_count'] as const;

const fold = (s: string) => s.normalize('NFKC').toLowerCase();
const BULLET = /^\s*(?:[-*+•·●▪◦](?=\s)|\d{1,3}(?:[.)](?!\d)|、)|[(（]\d{1,3}[)）]|[①-⑳]|[一二三四五六七八九十]{1,3}、)/;

/** Counts of a text: code points, non-blank lines, list items, CJK ideographs, Latin letters, all letters. */
export function textStats(text: string): { chars: number; lines: number; bullets: number; cjk: number; latin: number; letters: number } {
  const t = text.trim();
  const lines = t.split(/\r?\n/).filter((l) => l.trim() !== '');
  return {
    chars: [...t].length,
    lines: lines.length,
    bullets: lines.filter((l) => BULLET.test(l)).length,
    cjk: (t.match(/\p{Script=Han}/gu) ?? []).length,
    latin: (t.match(/\p{Script=Latin}/gu) ?? []).length,
    letters: (t.match(/\p{L}/gu) ?? []).length,
  };
}

/** Share of CJK ideographs among the letters of a text (0 when it has no letters). */
export function cjkShare(text: string): number {
  const s = textStats(text);
  return s.letters ? s.cjk / s.letters : 0;
}

/** The result of each constraint given: [name, met, why not]. */
export function checkConstraints(text: string, k: Constraints): [string, boolean, string][] {
  const t = text.trim();
  const ft = fold(t);
  const st = textStats(t);
  const out: [string, boolean, string][] = [];
  const q = (s: string) => JSON.stringify(s.length > 20 ? `${s.slice(0, 20)}…` : s);
  if (k.max_chars !== undefined) out.push(['max_chars', st.chars <= k.max_chars, `${st.chars} characters > ${k.max_chars}`]);
  if (k.min_chars !== undefined) out.push(['min_chars', st.chars >= k.min_chars, `${st.chars} characters < ${k.min_chars}`]);
  if (k.max_lines !== undefined) out.push(['max_lines', st.lines <= k.max_lines, `${st.lines} lines > ${k.max_lines}`]);
  if (k.must_include !== undefined) {
    const missing = k.must_include.filter((s) => !ft.includes(fold(s)));
    out.push(['must_include', missing.length === 0, `missing ${missing.map(q).join(', ')}`]);
  }
  if (k.must_not_include !== undefined) {
    const present = k.must_not_include.filter((s) => ft.includes(fold(s)));
    out.push(['must_not_include', present.length === 0, `contains ${present.map(q).join(', ')}`]);
  }
  if (k.starts_with !== undefined) out.push(['starts_with', ft.startsWith(fold(k.starts_with).trim()), `does not start with ${q(k.starts_with)}`]);
  if (k.ends_with !== undefined) out.push(['ends_with', ft.endsWith(fold(k.ends_with).trim()), `does not end with ${q(k.ends_with)}`]);
  if (k.language !== undefined) {
    const share = st.letters ? (k.language === 'zh' ? st.cjk : st.latin) / st.letters : 0;
    out.push(['language', share >= 0.5, `${k.language === 'zh' ? 'CJK' : 'Latin'} share ${(share * 100).toFixed(0)}% < 50%`]);
  }
  if (k.bullet_count !== undefined) out.push(['bullet_count', st.bullets === k.bullet_count, `${st.bullets} list items, expected ${k.bullet_count}`]);
  return out;
}

const isCount = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isTextList = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === 'string' && s.trim() !== '');

export const format = defineScorer({
  id: 'format',
  check(c: Case) {
    const k = c.constraints as Record<string, unknown> | undefined;
    if (k === undefined || typeof k !== 'object' || k === null || Array.isArray(k)) {
      return { field: 'constraints', message: 'a format case needs "constraints" (an object, e.g. {"max_chars": 200, "language": "zh"})' };
    }
    const keys = Object.keys(k);
    if (keys.length === 0) return { field: 'constraints', message: 'constraints is empty: give at least one constraint' };
    for (const key of keys) {
      if (!(KEYS as readonly string[]).includes(key)) return { field: `constraints.${key}`, message: `unknown constraint "${key}" (known: ${KEYS.join(', ')})` };
    }
    for (const key of ['max_chars', 'min_chars', 'bullet_count'] as const) {
      if (k[key] !== undefined && !isCount(k[key])) return { field: `constraints.${key}`, message: `${key} must be a whole number ≥ 0` };
    }
    if (k.max_lines !== undefined && !(isCount(k.max_lines) && (k.max_lines as number) > 0)) return { field: 'constraints.max_lines', message: 'max_lines must be a whole number ≥ 1' };
    if (typeof k.min_chars === 'number' && typeof k.max_chars === 'number' && k.min_chars > k.max_chars) {
      return { field: 'constraints.min_chars', message: `min_chars ${k.min_chars} is above max_chars ${k.max_chars}` };
    }
    for (const key of ['must_include', 'must_not_include'] as const) {
      if (k[key] !== undefined && !isTextList(k[key])) return { field: `constraints.${key}`, message: `${key} must be a non-empty array of non-blank strings` };
    }
    if (Array.isArray(k.must_include) && Array.isArray(k.must_not_include)) {
      const no = (k.must_not_include as string[]).map(fold);
      const both = (k.must_include as string[]).find((s) => no.some((n) => fold(s).includes(n)));
      if (both !== undefined) return { field: 'constraints.must_not_include', message: `${JSON.stringify(both)} is required but contains a forbidden string` };
    }
    for (const key of ['starts_with', 'ends_with'] as const) {
      if (k[key] !== undefined && (typeof k[key] !== 'string' || (k[key] as string).trim() === '')) return { field: `constraints.${key}`, message: `${key} must be a non-blank string` };
    }
    if (k.language !== undefined && k.language !== 'zh' && k.language !== 'en') return { field: 'constraints.language', message: `language must be "zh" or "en" (got ${JSON.stringify(k.language)})` };
    return undefined;
  },
  request(c) {
    // Room for an overlong reply to show itself: a reply cut at the token budget must still exceed
    // max_chars (a token is at least about one character), so the budget is twice the limit.
    const max = c.constraints?.max_chars;
    return { maxTokens: max === undefined ? 512 : Math.min(8192, Math.max(512, 2 * max + 16)) };
  },
  score(c, reply) {
    const results = checkConstraints(reply.output, c.constraints!);
    const met = results.filter(([, ok]) => ok).length;
    const value = results.length ? met / results.length : 0;
    const failed = results.filter(([, ok]) => !ok);
    return {
      caseId: c.id,
      indicator: c.indicator,
      value,
      pass: failed.length === 0 && results.length > 0,
      reason: failed.length === 0 ? `all ${results.length} constraints met` : `${met}/${results.length} met; ${failed.map(([n, , why]) => `${n}: ${why}`).join('; ')}`,
      extra: { met, constraints: results.length },
    };
  },
});
