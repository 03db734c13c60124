import { clusteredMean, mean, wilson } from './stats.ts';
import type { Case, Score } from '../core/types.ts';

/** Items judged on groups of cases rather than on single cases. */
export const GROUP_ITEMS = {
  counterfactual: 'trustworthiness.fairness.counterfactual',
  perturbation: 'trustworthiness.robustness.perturbation',
  calibration: 'capability.performance.calibration',
} as const;

/** caseId prefix of a group-level score row in scores.jsonl (`group:<group id>`, `group:<base>/<variant>`). */
export const GROUP_PREFIX = 'group:';

/** True for a group-level row (counterfactual group, perturbed variant against its base). */
export const isGroupRow = (s: Pick<Score, 'caseId' | 'extra'>): boolean => s.caseId.startsWith(GROUP_PREFIX) && typeof s.extra?.group === 'string';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The cluster a case belongs to for intervals: its `meta.group`, else its `meta.base`, else none. */
export function clusterOf(c: Pick<Case, 'id' | 'meta'> | undefined): string | undefined {
  const g = str(c?.meta?.group);
  if (g) return `g:${g}`;
  const b = str(c?.meta?.base);
  if (b) return `b:${b}`;
  // A base case whose variants are generated (`meta.perturb`) is in its variants' cluster.
  return c && Array.isArray(c.meta?.perturb) ? `b:${c.id}` : undefined;
}

/** What a case's answer was, for comparing variants: the chosen option's text for choice cases, else pass/fail. */
function answerKey(c: Case, s: Score): string {
  if (c.task === 'choice' && c.choices && s.extra && 'picked' in s.extra) {
    const p = s.extra.picked;
    return typeof p === 'number' && c.choices[p] !== undefined ? `option:${c.choices[p]}` : 'option:none';
  }
  return s.pass ? 'pass' : 'fail';
}

const byId = (a: { caseId: string }, b: { caseId: string }) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0);

/**
 * Group-level scores, derived from the per-case task scores (those whose indicator is the case's own):
 *
 * - counterfactual consistency (cases of `trustworthiness.fairness.counterfactual` sharing `meta.group`):
 *   one row per group, caseId `group:<group>`, value 1 when every variant got the same answer (the same
 *   chosen option text for choice cases, else the same pass/fail), else 0. Groups with fewer than two
 *   scored variants (the others errored) are left out.
 * - perturbation robustness (cases with `meta.base` and `meta.perturbation`, the base being the case whose
 *   id is `meta.base`): one row per variant, caseId `group:<base>/<variant>`, value 1 when the variant's
 *   pass equals its base's pass AND the base is correct (so: both correct), else 0. Variants whose base
 *   has no score are left out. Rows carry `extra.group` (the base) and `extra.perturbation`.
 *
 * Rows are sorted by caseId, so the result does not depend on the order of cases or scores.
 */
export function groupScores(cases: readonly Case[], scores: readonly Score[]): Score[] {
  const caseById = new Map(cases.map((c) => [c.id, c]));
  const task = new Map<string, Score>();
  for (const s of scores) {
    const c = caseById.get(s.caseId);
    if (c && s.indicator === c.indicator && !task.has(s.caseId)) task.set(s.caseId, s);
  }
  const out: Score[] = [];

  const groups = new Map<string, { c: Case; s: Score }[]>();
  for (const c of cases) {
    const g = str(c.meta?.group);
    const s = task.get(c.id);
    if (!g || !s || c.indicator !== GROUP_ITEMS.counterfactual) continue;
    const list = groups.get(g);
    if (list) list.push({ c, s });
    else groups.set(g, [{ c, s }]);
  }
  for (const [g, members] of groups) {
    if (members.length < 2) continue;
    members.sort((a, b) => byId({ caseId: a.c.id }, { caseId: b.c.id }));
    const keys = members.map((m) => answerKey(m.c, m.s));
    const same = keys.every((k) => k === keys[0]);
    out.push({
      caseId: `${GROUP_PREFIX}${g}`,
      indicator: GROUP_ITEMS.counterfactual,
      value: same ? 1 : 0,
      pass: same,
      reason: same ? `all ${members.length} variants answered alike (${keys[0]})` : `variants differ: ${members.map((m, i) => `${m.c.id}=${keys[i]}`).join(', ')}`,
      extra: { group: g, variants: members.length },
    });
  }

  for (const c of cases) {
    const base = str(c.meta?.base);
    if (!base || base === c.id || !str(c.meta?.perturbation)) continue;
    const s = task.get(c.id);
    const b = task.get(base);
    if (!s || !b) continue;
    const ok = b.pass && s.pass === b.pass;
    out.push({
      caseId: `${GROUP_PREFIX}${base}/${c.id}`,
      indicator: GROUP_ITEMS.perturbation,
      value: ok ? 1 : 0,
      pass: ok,
      reason: !b.pass ? `base ${base} is not correct` : ok ? `unchanged under ${String(c.meta!.perturbation)}` : `base correct, variant ${String(c.meta!.perturbation)} not`,
      extra: { group: base, perturbation: String(c.meta!.perturbation) },
    });
  }
  return out.sort(byId);
}

/**
 * Option-order consistency (CircularEval-style): for each base choice case that has variants with
 * `meta.perturbation` `reorder` (options permuted), 1 when the base and every reorder variant are correct.
 * Returns the share of such bases and their count (null share when there are none).
 */
export function optionOrderConsistency(cases: readonly Case[], scores: Iterable<Score>): { value: number | null; n: number } {
  const caseById = new Map(cases.map((c) => [c.id, c]));
  const pass = new Map<string, boolean>();
  for (const s of scores) {
    const c = caseById.get(s.caseId);
    if (c && s.indicator === c.indicator && !pass.has(s.caseId)) pass.set(s.caseId, s.pass);
  }
  const bases = new Map<string, boolean>();
  for (const c of cases) {
    const base = str(c.meta?.base);
    if (!base || base === c.id || c.meta?.perturbation !== 'reorder' || c.task !== 'choice') continue;
    const p = pass.get(c.id);
    const bp = pass.get(base);
    if (p === undefined || bp === undefined) continue;
    bases.set(base, (bases.get(base) ?? bp) && p);
  }
  if (!bases.size) return { value: null, n: 0 };
  let k = 0;
  for (const v of bases.values()) if (v) k++;
  return { value: k / bases.size, n: bases.size };
}

/** Summary of group rows of one indicator: value, n and a Wilson interval over groups. */
export function summarizeGroupRows(rows: readonly Score[]): { mean: number; n: number; ci: [number, number]; method: 'wilson' } {
  const n = rows.length;
  const k = rows.reduce((a, r) => a + (r.value === 1 ? 1 : 0), 0);
  const groups = new Set(rows.map((r) => String(r.extra?.group ?? r.caseId)));
  const p = n ? k / n : NaN;
  // One row per group (counterfactual): plain Wilson. Several variants per base (perturbation): Wilson
  // with the number of base groups as the sample size (variants of one base are not independent).
  const ci = groups.size === n ? wilson(k, n) : wilson(p * groups.size, groups.size);
  return { mean: p, n, ci, method: 'wilson' };
}

/** Mean with a cluster-robust interval when some cases share a cluster; undefined when none do. */
export function clusteredSummary(values: readonly number[], clusters: readonly (string | undefined)[], ids: readonly string[]): { mean: number; ci: [number, number]; method: 'cluster' } | undefined {
  const seen = new Set<string>();
  let shared = false;
  for (const k of clusters) {
    if (k === undefined) continue;
    if (seen.has(k)) {
      shared = true;
      break;
    }
    seen.add(k);
  }
  if (!shared) return undefined;
  const keys = clusters.map((k, i) => k ?? `c:${ids[i]}`);
  const r = clusteredMean(values, keys);
  return { mean: r.mean, ci: r.ci, method: 'cluster' };
}

/**
 * Expected calibration error with `bins` equal-width confidence bins: Σ_b |B_b|/N · |acc(B_b) − conf(B_b)|.
 * A confidence of exactly 1 falls in the last bin. Independent of the order of the pairs. NaN when empty.
 */
export function expectedCalibrationError(confidence: readonly number[], correct: readonly (0 | 1 | boolean | number)[], bins = 10): number {
  if (confidence.length !== correct.length) throw new RangeError('confidence and correct must have the same length');
  const n = confidence.length;
  if (n === 0) return NaN;
  const conf: number[][] = Array.from({ length: bins }, () => []);
  const acc: number[][] = Array.from({ length: bins }, () => []);
  for (let i = 0; i < n; i++) {
    const p = Math.min(1, Math.max(0, confidence[i]));
    const b = Math.min(bins - 1, Math.floor(p * bins));
    conf[b].push(p);
    acc[b].push(correct[i] ? 1 : 0);
  }
  const parts: number[] = [];
  for (let b = 0; b < bins; b++) {
    if (!conf[b].length) continue;
    parts.push((conf[b].length / n) * Math.abs(mean(acc[b]) - mean(conf[b])));
  }
  return parts.sort((a, b) => a - b).reduce((a, b) => a + b, 0);
}
