import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { Case } from '../core/types.ts';
import { TRAD } from '../core/script.ts';

/** Perturbation kinds a robustness base case may ask for in `meta.perturb`. */
export const PERTURB_KINDS = ['typo', 'width', 'punct', 'trad', 'space', 'reorder'] as const;
export type PerturbKind = (typeof PERTURB_KINDS)[number];

/** Separator between a base case id and the kind in a generated variant's id: `<case id>~<kind>`. */
export const VARIANT_SEP = '~';

/** True for the id of a generated variant. */
export const isVariantId = (id: string): boolean => id.includes(VARIANT_SEP);

/** Chinese ↔ ASCII punctuation pairs for `punct`. */
const PUNCT: [string, string][] = [['，', ','], ['。', '.'], ['？', '?'], ['！', '!'], ['：', ':'], ['；', ';'], ['（', '('], ['）', ')'], ['“', '"'], ['”', '"']];
const PUNCT_SWAP = new Map<string, string>();
for (const [zh, en] of PUNCT) {
  PUNCT_SWAP.set(zh, en);
  if (!PUNCT_SWAP.has(en)) PUNCT_SWAP.set(en, zh);
}

/** Full-width ↔ half-width for printable ASCII (and the ideographic space). */
function toggleWidth(ch: string): string | undefined {
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x21 && cp <= 0x7e) return String.fromCodePoint(cp + 0xfee0);
  if (cp >= 0xff01 && cp <= 0xff5e) return String.fromCodePoint(cp - 0xfee0);
  if (cp === 0x20) return '\u3000';
  if (cp === 0x3000) return ' ';
  return undefined;
}

/** A 32-bit seed for one case and kind, from the run seed alone (no state shared between variants). */
export function variantSeed(seed: number, caseId: string, kind: string): number {
  return createHash('sha256').update(`${seed >>> 0}\0${caseId}\0${kind}`).digest().readInt32BE(0);
}

/** One value of an arbitrary, reproducible from the seed alone. */
const draw = <T>(arb: fc.Arbitrary<T>, seed: number): T => fc.sample(arb, { seed, numRuns: 1 })[0];

/** Replaces a non-empty subset (drawn from `seed`) of the positions `at` of `chars` by `f(char)`. */
function replaceSubset(chars: string[], at: number[], f: (ch: string) => string, seed: number): string | undefined {
  if (at.length === 0) return undefined;
  const pick = draw(fc.uniqueArray(fc.constantFrom(...at), { minLength: 1, maxLength: at.length }), seed);
  const out = [...chars];
  for (const i of pick) out[i] = f(out[i]);
  return out.join('');
}

/** The perturbed input text, or undefined when the kind has nothing to change in it. */
function perturbText(text: string, kind: Exclude<PerturbKind, 'reorder'>, seed: number): string | undefined {
  const chars = [...text];
  const n = chars.length;
  switch (kind) {
    case 'typo': {
      // One typo at a non-space position: swap with the next character, drop it, or double it.
      const at = chars.map((ch, i) => i).filter((i) => /\S/u.test(chars[i]));
      if (!at.length) return undefined;
      const { pos, op } = draw(fc.record({ pos: fc.constantFrom(...at), op: fc.constantFrom('swap', 'drop', 'dup') }), seed);
      const out = [...chars];
      if (op === 'swap' && pos + 1 < n && out[pos] !== out[pos + 1]) [out[pos], out[pos + 1]] = [out[pos + 1], out[pos]];
      else if (op === 'dup') out.splice(pos, 0, out[pos]);
      else if (n > 1) out.splice(pos, 1);
      else out.splice(pos, 0, out[pos]);
      return out.join('');
    }
    case 'width': {
      const at = chars.map((_, i) => i).filter((i) => toggleWidth(chars[i]) !== undefined);
      return replaceSubset(chars, at, (ch) => toggleWidth(ch)!, seed);
    }
    case 'punct': {
      const at = chars.map((_, i) => i).filter((i) => PUNCT_SWAP.has(chars[i]));
      return replaceSubset(chars, at, (ch) => PUNCT_SWAP.get(ch)!, seed);
    }
    case 'trad': {
      // Every character in the table: a reader sees the traditional text, not a mix.
      if (!chars.some((ch) => TRAD.has(ch))) return undefined;
      return chars.map((ch) => TRAD.get(ch) ?? ch).join('');
    }
    case 'space': {
      // One to three spaces inserted between characters (never at the ends).
      if (n < 2) return undefined;
      const gaps = draw(fc.uniqueArray(fc.integer({ min: 1, max: n - 1 }), { minLength: 1, maxLength: Math.min(3, n - 1) }), seed);
      const out = [...chars];
      for (const g of [...gaps].sort((a, b) => b - a)) out.splice(g, 0, ' ');
      return out.join('');
    }
  }
}

/**
 * One perturbed variant of a case, or undefined when the kind does not apply (no such characters, or
 * `reorder` on a case without choices). The variant's id is `<case id>~<kind>`; its meta says
 * `base` (the case's id) and `perturbation` (the kind). `reorder` permutes the options (never the
 * identity) and maps `answer`, so the correct option's text is unchanged. The same case, kind and
 * seed always give the same variant.
 */
export function perturbCase(c: Case, kind: PerturbKind, seed: number): Case | undefined {
  const s = variantSeed(seed, c.id, kind);
  const { perturb: _perturb, group: _group, ...meta } = c.meta ?? {};
  const variant = { ...c, id: `${c.id}${VARIANT_SEP}${kind}`, meta: { ...meta, base: c.id, perturbation: kind } };
  if (kind === 'reorder') {
    if (!c.choices || c.choices.length < 2 || c.answer === undefined) return undefined;
    const k = c.choices.length;
    const idx = Array.from({ length: k }, (_, i) => i);
    let perm = draw(fc.shuffledSubarray(idx, { minLength: k, maxLength: k }), s);
    if (perm.every((v, i) => v === i)) perm = idx.map((i) => (i + 1) % k);
    // New option j is old option perm[j]; the answer moves to where the old answer went.
    return { ...variant, choices: perm.map((i) => c.choices![i]), answer: perm.indexOf(c.answer) };
  }
  const input = perturbText(c.input, kind, s);
  return input === undefined || input === c.input ? undefined : { ...variant, input };
}

/** The kinds a case asks for in `meta.perturb` (unknown names ignored, duplicates dropped, in the given order). */
export function requestedKinds(c: Case): PerturbKind[] {
  const p = c.meta?.perturb;
  if (!Array.isArray(p)) return [];
  const out: PerturbKind[] = [];
  for (const k of p) if ((PERTURB_KINDS as readonly unknown[]).includes(k) && !out.includes(k as PerturbKind)) out.push(k as PerturbKind);
  return out;
}

/** The variants of a case for the given kinds (those that apply). */
export function perturbVariants(c: Case, kinds: readonly PerturbKind[], seed: number): Case[] {
  return kinds.map((k) => perturbCase(c, k, seed)).filter((v): v is Case => v !== undefined);
}

/**
 * The cases of a run with the perturbed variants their `meta.perturb` asks for, each base followed
 * by its variants. Deterministic in the cases and the seed; the cases are returned as they are when
 * none asks for perturbations.
 */
export function expandPerturbations(cases: readonly Case[], seed: number): Case[] {
  if (!cases.some((c) => requestedKinds(c).length)) return cases as Case[];
  const out: Case[] = [];
  for (const c of cases) {
    out.push(c);
    out.push(...perturbVariants(c, requestedKinds(c), seed));
  }
  return out;
}
