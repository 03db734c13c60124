import { defineScorer } from './scorer.ts';
import { normalizeAnswer } from './normalize.ts';
import type { Case } from '../core/types.ts';

/** The accepted answers of an exact-match case. */
export function acceptedAnswers(c: Case): string[] {
  const e = c.expected === undefined ? [] : Array.isArray(c.expected) ? c.expected : [c.expected];
  return [...e, ...(c.aliases ?? [])];
}

/** Normalised exact match: width, case, punctuation and whitespace do not matter. */
export function exactMatch(output: string, accepted: string[]): boolean {
  const out = normalizeAnswer(output);
  return accepted.some((a) => normalizeAnswer(a) === out);
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
    const ok = exactMatch(reply.output, acceptedAnswers(c));
    return {
      caseId: c.id,
      indicator: c.indicator,
      value: ok ? 1 : 0,
      pass: ok,
      reason: ok ? 'matches' : `expected ${JSON.stringify(acceptedAnswers(c)[0])}`,
    };
  },
});
