import { defineScorer } from './scorer.ts';
import { normalizeAnswer } from './normalize.ts';
import type { Case } from '../core/types.ts';

const LETTERS = 'ABCDEFGHIJ';

/** Option letters named in the text by common answer patterns (full-width folded first). */
function lettersNamed(text: string, count: number): Set<number> {
  const t = text.normalize('NFKC');
  const L = LETTERS.slice(0, count);
  const found = new Set<number>();
  const cue = new RegExp(
    `(?:答案|选项|选择|选|answer(?: is)?|option|choice)\\s*(?:是|为|应为|:|：)?\\s*[（(\\[*]*\\s*([${L}${L.toLowerCase()}])(?![A-Za-z])`,
    'gi',
  );
  for (const m of t.matchAll(cue)) found.add(m[1].toUpperCase().charCodeAt(0) - 65);
  if (found.size) return found;
  // A bare letter at the start ("B", "B.", "(B)", "**B**") or the whole reply being a letter.
  const start = new RegExp(`^\\s*[（(\\[*]*\\s*([${L}])(?![A-Za-z])`);
  const m = start.exec(t);
  if (m) found.add(m[1].charCodeAt(0) - 65);
  return found;
}

/** Options whose normalised text occurs in the normalised output. */
function optionsNamed(text: string, choices: string[]): Set<number> {
  const out = normalizeAnswer(text);
  const hits = new Set<number>();
  if (!out) return hits;
  choices.forEach((c, i) => {
    const n = normalizeAnswer(c);
    if (n && out.includes(n)) hits.add(i);
  });
  // Prefer the longest match when one option's text contains another's ("10%" in "10%以上").
  if (hits.size > 1) {
    const lens = [...hits].map((i) => normalizeAnswer(choices[i]).length);
    const max = Math.max(...lens);
    const longest = [...hits].filter((i) => normalizeAnswer(choices[i]).length === max);
    const contained = [...hits].every((i) => longest.some((j) => normalizeAnswer(choices[j]).includes(normalizeAnswer(choices[i]))));
    if (contained && longest.length === 1) return new Set(longest);
  }
  return hits;
}

/**
 * Extracts the chosen option index from free text, or null when none or more than one option is
 * named (it never guesses).
 */
export function extractChoice(text: string, choices: string[]): number | null {
  const byLetter = lettersNamed(text, choices.length);
  if (byLetter.size === 1) return [...byLetter][0];
  if (byLetter.size > 1) return null;
  const byText = optionsNamed(text, choices);
  return byText.size === 1 ? [...byText][0] : null;
}

/** Index of the largest value; null on ties or no values. */
function argmax(xs: number[]): number | null {
  let best: number | null = null;
  let tie = false;
  xs.forEach((x, i) => {
    if (best === null || x > xs[best]) {
      best = i;
      tie = false;
    } else if (x === xs[best]) tie = true;
  });
  return tie ? null : best;
}

export const choice = defineScorer({
  id: 'choice',
  check(c: Case) {
    if (!c.choices) return { field: 'choices', message: 'a choice case needs "choices" (at least 2 options)' };
    if (c.choices.length > LETTERS.length) return { field: 'choices', message: `at most ${LETTERS.length} options` };
    if (c.answer === undefined) return { field: 'answer', message: 'a choice case needs "answer" (0-based option index)' };
    if (c.answer < 0 || c.answer >= c.choices.length) {
      return { field: 'answer', message: `answer index ${c.answer} is out of range (0..${c.choices.length - 1})` };
    }
    return undefined;
  },
  request: (c) => ({ maxTokens: 32, continuations: c.choices }),
  score(c, reply) {
    const choices = c.choices!;
    const picked = extractChoice(reply.output, choices);
    const value = picked === c.answer ? 1 : 0;
    const extra: Record<string, number | null> = { picked, extractable: picked === null ? 0 : 1 };
    if (reply.logprobs && reply.logprobs.length === choices.length) {
      const ll = argmax(reply.logprobs);
      extra.loglik = ll === c.answer ? 1 : 0;
      if (reply.continuationTokens?.length === choices.length) {
        const norm = reply.logprobs.map((lp, i) => lp / Math.max(1, reply.continuationTokens![i]));
        extra.loglik_norm = argmax(norm) === c.answer ? 1 : 0;
      }
    }
    const letter = (i: number | null) => (i === null ? 'none' : LETTERS[i]);
    return {
      caseId: c.id,
      indicator: c.indicator,
      value,
      pass: value === 1,
      reason: picked === null ? `no single option extracted; expected ${letter(c.answer!)}` : `picked ${letter(picked)}, expected ${letter(c.answer!)}`,
      extra,
    };
  },
});
