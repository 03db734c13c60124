import { defineScorer } from './scorer.ts';
import { normalizeAnswer } from './normalize.ts';
import { toSimplified } from '../core/script.ts';
import type { Case } from '../core/types.ts';

/** The accepted answers of an exact-match case. */
export function acceptedAnswers(c: Case): string[] {
  const e = c.expected === undefined ? [] : Array.isArray(c.expected) ? c.expected : [c.expected];
  return [...e, ...(c.aliases ?? [])];
}

/**
 * Normalised exact match: width, case, punctuation and whitespace do not matter; with
 * `foldScript`, traditional characters count as their simplified forms (繁简 folding).
 */
export function exactMatch(output: string, accepted: string[], foldScript = false): boolean {
  const norm = (s: string) => normalizeAnswer(foldScript ? toSimplified(s) : s);
  const out = norm(output);
  return accepted.some((a) => norm(a) === out);
}

export const exact = defineScorer({
  id: 'exact',
  check(c: Case) {
    if (c.expected === undefined) return { field: 'expected', message: 'an exact case needs "expected"' };
    if (acceptedAnswers(c).some((a) => normalizeAnswer(a) === '')) {
      return { field: 'expected', message: 'an expected answer is empty after normalisation' };
    }
    return undefined;
  },
  request: () => ({ maxTokens: 32 }),
  score(c, reply) {
    const ok = exactMatch(reply.output, acceptedAnswers(c), c.meta?.fold_script === true);
    return {
      caseId: c.id,
      indicator: c.indicator,
      value: ok ? 1 : 0,
      pass: ok,
      reason: ok ? 'matches' : `expected ${JSON.stringify(acceptedAnswers(c)[0])}`,
    };
  },
});
