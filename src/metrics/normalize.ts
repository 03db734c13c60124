/**
 * Normalisation for matching answers: NFKC (full-width → half-width), lower case, Chinese and
 * English punctuation and all whitespace removed — except a decimal point between digits, so that
 * "1.5%" and "15%" stay different answers (a thousands comma is still dropped: "1,500" = "1500").
 */
export function normalizeAnswer(s: string): string {
  // Removing spaces and punctuation can bring a letter next to combining marks that NFKC then composes
  // (e.g. "w ̈" → "ẅ"): repeat until nothing changes, so the result is a fixed point (idempotent).
  let cur = s;
  for (let i = 0; i < 8; i++) {
    const next = normalizeOnce(cur);
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

function normalizeOnce(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, (m, at: number, all: string) => {
      if (m === '.' && /\d/.test(all[at - 1] ?? '') && /\d/.test(all[at + 1] ?? '')) return m;
      return /[%$¥€£]/.test(m) ? m.replace(/[^%$¥€£]/g, '') : '';
    });
}

/** Collapses runs of whitespace and trims; NFKC. */
export function squash(s: string): string {
  return s.normalize('NFKC').replace(/\s+/g, ' ').trim();
}
