import { defineScorer } from './scorer.ts';
import { normalizeAnswer } from './normalize.ts';
import type { Case } from '../core/types.ts';

const LETTERS = 'ABCDEFGHIJ';

/** Openers that may stand between a cue and the letter: brackets, bold, quotes, `\\boxed{`. */
const OPEN = String.raw`[（(\[{*"“'‘「【]*`;
/** Separators of a list of letters ("A 或 B", "A and C", "A/B"): every listed letter counts as named. */
const SEP = String.raw`\s*(?:和|或者?|与|及|、|/|&|,|，|\bor\b|\band\b)\s*`;

/** True when the letter at `pos` is the English article "a" ("the answer is a bit…"), not an option. */
function isArticle(t: string, pos: number, upperToo: boolean): boolean {
  const ch = t[pos];
  if (ch !== 'a' && !(upperToo && ch === 'A')) return false;
  return /^\s+(?!(?:is|was|and|or|because)\b)[a-z]/.test(t.slice(pos + 1));
}

/** The patterns for `count` options, compiled once per option count. */
interface Patterns {
  L: string;
  item: RegExp;
  cue: RegExp;
  start: RegExp;
  lone: RegExp;
}
const patternCache = new Map<number, Patterns>();
function patternsFor(count: number): Patterns {
  let p = patternCache.get(count);
  if (p) return p;
  const L = LETTERS.slice(0, count);
  const letter = `[${L}${L.toLowerCase()}](?![A-Za-z])`;
  const upper = `[${L}](?![A-Za-z])`;
  p = {
    L,
    item: new RegExp(`(?<![A-Za-z])[${L}${L.toLowerCase()}](?![A-Za-z])`, 'g'),
    cue: new RegExp(
      `(?:答案|答|选项|选择|选|正确的?[是为]|认为是|\\b(?:answer|option|choice|choose|pick|go with|boxed))` +
        `(?:\\s*(?:是|为|应为|应该是|应选|:|：|=|\\bis\\b|\\bwould be\\b|\\bshould be\\b))*\\s*${OPEN}\\s*` +
        `(${letter}(?:${SEP}${OPEN}\\s*${letter})*)`,
      'gi',
    ),
    start: new RegExp(`^\\s*${OPEN}\\s*(${upper}(?:${SEP}${OPEN}\\s*${upper})*)`),
    lone: new RegExp(`^\\s*${OPEN}\\s*([${L.toLowerCase()}])(?=\\s*[)）\\]}.。:：*"”'’」】]|\\s*$)`),
  };
  patternCache.set(count, p);
  return p;
}

/** Letters of a matched letter list, stopping at an article. */
function listLetters(t: string, list: string, at: number, L: string, upperToo: boolean, into: Set<number>): void {
  for (const x of list.matchAll(patternsFor(L.length).item)) {
    if (isArticle(t, at + x.index!, upperToo)) break;
    into.add(x[0].toUpperCase().charCodeAt(0) - 65);
  }
}

/**
 * Option letters named in the text by common answer patterns (full-width folded first). A cue
 * ("答案是", "选", "the answer is", "option", "I'd pick"…) followed by a letter wins; otherwise a
 * letter opening the reply ("B", "B.", "(B)", "**B**"). A list of letters ("A 或 B") names them all.
 */
function lettersNamed(text: string, count: number): Set<number> {
  const t = text.normalize('NFKC');
  const { L, cue, start, lone } = patternsFor(count);
  const found = new Set<number>();
  for (const m of t.matchAll(cue)) listLetters(t, m[1], m.index! + m[0].length - m[1].length, L, false, found);
  if (found.size) return found;
  // A letter opening the reply ("B", "B.", "(B)", "**B**", "A 或 B"); lower case only when the letter
  // stands alone ("b", "(b)", "b."), since "a …" opening a reply is the article.
  const m = start.exec(t);
  if (m) listLetters(t, m[1], m.index + m[0].length - m[1].length, L, true, found);
  else {
    const one = lone.exec(t);
    if (one) found.add(one[1].toUpperCase().charCodeAt(0) - 65);
  }
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
      // Confidence: the largest option probability of a softmax over the options' log-likelihoods.
      const top = Math.max(...reply.logprobs);
      if (Number.isFinite(top)) extra.confidence = 1 / reply.logprobs.reduce((a, lp) => a + Math.exp(lp - top), 0);
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
