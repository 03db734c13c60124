import { defineScorer } from './scorer.ts';
import type { Case } from '../core/types.ts';

/**
 * Overlap with reference answers (summaries, explanations): ROUGE-L F1 between the reply and
 * `expected` (a string, or an array of references: the best one counts), plus optional keyword coverage.
 *
 * Tokens (`overlapTokens`), after NFKC folding and lower-casing:
 * - lang "zh": characters, with whitespace and punctuation (\p{P}) dropped, so spacing and ，/, never matter;
 * - lang "en": words (runs of letters and digits, with an inner apostrophe: "don't").
 * ROUGE-L: LCS = longest common subsequence of the token lists; P = LCS / reply tokens, R = LCS /
 * reference tokens, F1 = 2PR / (P + R); 0 when the reply has no tokens.
 *
 * `keywords`: each entry is a keyword or an array of synonyms (any one counts); coverage = share of
 * entries found in the reply, compared on the same tokens (zh: as a character substring; en: as a whole
 * word sequence, "loan" is not found in "loans").
 * value = F1 without keywords, else the mean of F1 and coverage; pass at value ≥ `threshold` (default 0.5).
 */

export function overlapTokens(text: string, lang: 'zh' | 'en'): string[] {
  // zh: whitespace goes before folding too, so that a space can never change how characters fold.
  if (lang === 'zh') return [...text.replace(/\s+/gu, '').normalize('NFKC').toLowerCase().replace(/[\s\p{P}]+/gu, '')];
  const t = text.normalize('NFKC').toLowerCase();
  return t.match(/[\p{L}\p{N}\p{M}]+(?:'[\p{L}\p{N}\p{M}]+)*/gu) ?? [];
}

/** Length of the longest common subsequence of two token lists (O(n·m) time, O(m) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  let prev = new Uint32Array(short.length + 1);
  let cur = new Uint32Array(short.length + 1);
  for (let i = 1; i <= long.length; i++) {
    const x = long[i - 1];
    for (let j = 1; j <= short.length; j++) {
      cur[j] = x === short[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[short.length];
}

/** ROUGE-L F1 of a reply against one reference. */
export function rougeL(reply: string, reference: string, lang: 'zh' | 'en'): number {
  const r = overlapTokens(reply, lang);
  const ref = overlapTokens(reference, lang);
  const lcs = lcsLength(r, ref);
  if (lcs === 0) return 0;
  const p = lcs / r.length;
  const rc = lcs / ref.length;
  return (2 * p * rc) / (p + rc);
}

/** Share of keyword entries (each a keyword or a list of synonyms) found in the reply. */
export function keywordCoverage(reply: string, keywords: readonly (string | readonly string[])[], lang: 'zh' | 'en'): { coverage: number; missing: string[] } {
  const joinTokens = (s: string) => (lang === 'zh' ? overlapTokens(s, lang).join('') : ` ${overlapTokens(s, lang).join(' ')} `);
  const hay = joinTokens(reply);
  const missing: string[] = [];
  for (const k of keywords) {
    const alts = typeof k === 'string' ? [k] : k;
    if (!alts.some((a) => hay.includes(joinTokens(a)))) missing.push(alts[0]);
  }
  return { coverage: keywords.length ? (keywords.length - missing.length) / keywords.length : 1, missing };
}

function references(c: Case): string[] {
  return c.expected === undefined ? [] : Array.isArray(c.expected) ? c.expected : [c.expected];
}

export const overlap = defineScorer({
  id: 'overlap',
  check(c: Case) {
    const refs = references(c);
    if (refs.length === 0) return { field: 'expected', message: 'an overlap case needs "expected" (a reference text, or an array of them)' };
    const empty = refs.find((r) => overlapTokens(r, c.lang).length === 0);
    if (empty !== undefined) return { field: 'expected', message: `reference ${JSON.stringify(empty)} has no ${c.lang === 'zh' ? 'characters' : 'words'} once punctuation is dropped` };
    if (c.keywords !== undefined) {
      if (!Array.isArray(c.keywords) || c.keywords.length === 0) return { field: 'keywords', message: 'keywords must be a non-empty array of strings or arrays of synonyms' };
      for (const k of c.keywords) {
        const alts: unknown[] = typeof k === 'string' ? [k] : Array.isArray(k) ? k : [k];
        if (alts.length === 0 || alts.some((a) => typeof a !== 'string' || overlapTokens(a, c.lang).length === 0)) {
          return { field: 'keywords', message: `keyword ${JSON.stringify(k)} must be a non-blank string or a non-empty array of them` };
        }
      }
    }
    if (c.threshold !== undefined && !(typeof c.threshold === 'number' && c.threshold >= 0 && c.threshold <= 1)) {
      return { field: 'threshold', message: 'threshold must be a number from 0 to 1' };
    }
    return undefined;
  },
  request(c) {
    // Room for about twice the longest reference (a Chinese character or an English word is about one
    // to two tokens).
    const longest = Math.max(0, ...references(c).map((r) => overlapTokens(r, c.lang).length));
    return { maxTokens: Math.min(2048, Math.max(256, 3 * longest)) };
  },
  score(c, reply) {
    const refs = references(c);
    const f1s = refs.map((r) => rougeL(reply.output, r, c.lang));
    const best = Math.max(...f1s);
    const threshold = c.threshold ?? 0.5;
    const kw = c.keywords ? keywordCoverage(reply.output, c.keywords, c.lang) : null;
    const value = Math.min(1, Math.max(0, kw ? (best + kw.coverage) / 2 : best));
    const pass = value >= threshold;
    const r2 = (x: number) => x.toFixed(2);
    const which = refs.length > 1 ? ` (reference ${f1s.indexOf(best) + 1} of ${refs.length})` : '';
    const kwText = kw ? `; keywords ${c.keywords!.length - kw.missing.length}/${c.keywords!.length}${kw.missing.length ? `, missing ${kw.missing.slice(0, 3).map((m) => JSON.stringify(m)).join(', ')}${kw.missing.length > 3 ? '…' : ''}` : ''}` : '';
    return {
      caseId: c.id,
      indicator: c.indicator,
      value,
      pass,
      reason: `ROUGE-L F1 ${r2(best)}${which}${kwText}; value ${r2(value)} ${pass ? '≥' : '<'} ${threshold}`,
      extra: { rougeL: best, ...(kw ? { keywords: kw.coverage } : {}) },
    };
  },
});
