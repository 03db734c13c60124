/**
 * Normalisation for matching answers: NFKC (full-width → half-width), lower case, Chinese and
 * English punctuation and all whitespace removed.
 */
export function normalizeAnswer(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, (m) => (/[%$¥€£]/.test(m) ? m.replace(/[^%$¥€£]/g, '') : ''));
}

/** Collapses runs of whitespace and trims; NFKC. */
export function squash(s: string): string {
  return s.normalize('NFKC').replace(/\s+/g, ' ').trim();
}
