import { mean, summarize } from './stats.ts';
import { DERIVED } from './score-run.ts';
import { auditChecks } from './audit.ts';
import { wilson, rng, quantileSorted, percentileSorted } from './stats.ts';
import { GROUP_ITEMS, clusterOf, clusteredSummary, expectedCalibrationError, isGroupRow, optionOrderConsistency, summarizeGroupRows } from './groups.ts';
import { DIMENSIONS } from '../core/schemas.ts';
import type {
  CapDetail, ValidityCheck, ValidityDetail, DimensionResult, IndicatorResult, LevelId, LoadedCatalog, Measurement, ModelInfo, Profile, ResponseRecord, ScenarioResult, Score, Scorecard, Suite,
} from '../core/types.ts';

/** Everything aggregation needs; all of it recorded in the bundle. */
export interface AggregateInput {
  suite: Pick<Suite, 'id' | 'version' | 'digest' | 'industry' | 'name' | 'scenarios'> & { cases: Suite['cases'] };
  catalog: LoadedCatalog;
  profile: Profile;
  model: Pick<ModelInfo, 'id' | 'digest' | 'device'>;
  /** Any re-iterable collection (arrays, or finalize's compact column stores); iterated several times. */
  scores: Iterable<Score>;
  responses: Iterable<ResponseRecord>;
  /** Run-level measurements (their score rows are already in `scores`); a broken rule makes its dimension INVALID. */
  measurements?: readonly Measurement[];
}

/** Level reached by a 0..100 value under the profile's thresholds. */
export function levelOf(value: number | null, profile: Profile): LevelId | null {
  if (value === null) return null;
  let level: LevelId | null = null;
  for (const l of profile.levels) if (value >= l.min - 1e-9) level = l.id;
  return level;
}

const rank = (l: LevelId) => Number(l.slice(1));
const LOGLIK_KEYS = ['loglik', 'loglik_norm'] as const;
const DERIVED_IDS: ReadonlySet<string> = new Set(Object.values(DERIVED));

/**
 * Aggregates scores into a scorecard: item (mean, 95% interval) → domain (weighted mean) →
 * dimension (mean of domains, 0..100) → overall (weighted over measured dimensions) → level, capped
 * by mandatory items; validity rules make the run INVALID with reasons. Pure and order-independent.
 */
export function aggregate(input: AggregateInput): Scorecard {
  const { suite, catalog, profile } = input;
  const byItem = new Map<string, { values: number[]; extra: Map<string, number[]>; ids?: string[]; rows?: Score[] }>();
  // Items with group-level rows (counterfactual groups, perturbed variants) are judged on those rows only.
  const groupItems = new Set<string>();
  for (const s of input.scores) if (isGroupRow(s)) groupItems.add(s.indicator);
  const calibration: { confidence: number[]; correct: number[] } = { confidence: [], correct: [] };
  // Case ids are kept per item only when some case has a cluster (else every interval is unclustered).
  const clustered = suite.cases.some((c) => clusterOf(c) !== undefined);
  for (const s of input.scores) {
    if (groupItems.has(s.indicator) && !isGroupRow(s)) continue;
    if (typeof s.extra?.confidence === 'number' && typeof s.extra.loglik === 'number') {
      calibration.confidence.push(s.extra.confidence);
      calibration.correct.push(s.extra.loglik);
    }
    const slot = byItem.get(s.indicator) ?? { values: [] as number[], extra: new Map<string, number[]>(), ids: clustered ? ([] as string[]) : undefined, rows: groupItems.has(s.indicator) ? ([] as Score[]) : undefined };
    slot.values.push(s.value);
    slot.ids?.push(s.caseId);
    slot.rows?.push(s);
    if (s.extra) for (const k of LOGLIK_KEYS) {
      const v = s.extra[k];
      if (typeof v !== 'number') continue;
      const list = slot.extra.get(k);
      if (list) list.push(v);
      else slot.extra.set(k, [v]);
    }
    byItem.set(s.indicator, slot);
  }

  const caseOf = new Map<string, AggregateInput['suite']['cases'][number]>();
  for (const c of suite.cases) caseOf.set(c.id, c);
  const scenarios = scenarioResults(input, caseOf);
  const passedScenarios = scenarios.filter((s) => s.pass !== null);
  if (passedScenarios.length) {
    byItem.set(DERIVED.scenarios, { values: passedScenarios.map((s) => (s.pass ? 1 : 0)), extra: new Map() });
  }

  const mandatory = new Map(profile.mandatory.map((m) => [m.item, m]));
  const indicators: IndicatorResult[] = [];
  for (const item of catalog.items.values()) {
    const slot = byItem.get(item.id);
    const base = { id: item.id, dimension: item.dimension, domain: item.domain, name: item.name };
    if (item.id === GROUP_ITEMS.calibration && calibration.confidence.length && !slot) {
      // 1 − expected calibration error (10 equal-width bins) of the log-likelihood choices' confidence.
      const value = 1 - expectedCalibrationError(calibration.confidence, calibration.correct, 10);
      const floor = mandatory.get(item.id)?.min ?? profile.item_pass;
      indicators.push({ ...base, value, n: calibration.confidence.length, ci: calibrationInterval(calibration.confidence, calibration.correct, value), pass: value >= floor - 1e-12, floor });
      continue;
    }
    if (!slot || slot.values.length === 0) {
      const evidence = item.method === 'evidence';
      indicators.push({
        ...base,
        value: null,
        n: 0,
        ci: null,
        pass: null,
        note: evidence ? 'evidence item: not reviewed' : 'not measured by this suite and model',
        noteCode: evidence ? 'evidence-not-reviewed' : 'not-measured',
      });
      continue;
    }
    let st: { mean: number; ci: [number, number]; method: 'wilson' | 't' | 'cluster' } = summarize(slot.values);
    if (groupItems.has(item.id) && slot.rows) st = summarizeGroupRows(slot.rows);
    else if (slot.ids) st = clusteredSummary(slot.values, slot.ids.map((id) => clusterOf(caseOf.get(id))), slot.ids) ?? st;
    const floor = mandatory.get(item.id)?.min ?? profile.item_pass;
    const extra: Record<string, number> = {};
    for (const [k, v] of slot.extra) extra[k] = mean(v);
    if (item.id === DERIVED.latencySlo) Object.assign(extra, latencyFigures(input.responses));
    if (item.id === GROUP_ITEMS.perturbation) {
      const oo = optionOrderConsistency(suite.cases, input.scores);
      if (oo.value !== null) Object.assign(extra, { option_order: oo.value, option_order_n: oo.n });
    }
    indicators.push({ ...base, value: st.mean, n: slot.values.length, ci: st.ci, ciMethod: st.method, pass: st.mean >= floor - 1e-12, floor, ...(Object.keys(extra).length ? { extra } : {}) });
  }

  const dimensions: DimensionResult[] = DIMENSIONS.map((dim) => {
    const dimCat = catalog.dimensions.find((d) => d.id === dim)!;
    const domainValues: number[] = [];
    for (const dom of dimCat.domains) {
      let sum = 0;
      let wsum = 0;
      for (const it of dom.items) {
        const r = indicators.find((i) => i.id === it.id)!;
        if (r.value === null) continue;
        const w = profile.item_weights?.[it.id] ?? 1;
        sum += w * r.value;
        wsum += w;
      }
      if (wsum > 0) domainValues.push(sum / wsum);
    }
    if (domainValues.length === 0) return { id: dim, name: dimCat.name, value: null, grade: null, reason: 'no item of this dimension was measured by this suite and model' };
    const value = (100 * domainValues.reduce((a, b) => a + b, 0)) / domainValues.length;
    return { id: dim, name: dimCat.name, value, grade: levelOf(value, profile) };
  });

  const broken = measurementRules(input.measurements ?? [], catalog);
  for (const d of dimensions) {
    const mine = broken.filter((b) => b.dimension === d.id);
    if (mine.length) d.invalid = mine.map((b) => `${b.id}: ${b.reason}`);
  }

  let wsum = 0;
  let sum = 0;
  for (const d of dimensions) {
    const w = profile.dimension_weights[d.id] ?? 0;
    if (d.value === null || w === 0) continue;
    sum += w * d.value;
    wsum += w;
  }
  const overall = wsum > 0 ? sum / wsum : null;
  let grade = levelOf(overall, profile);
  const caps: string[] = [];
  const capDetails: CapDetail[] = [];
  for (const m of profile.mandatory) {
    const r = indicators.find((i) => i.id === m.item);
    const below = !r || r.value === null || r.value < m.min;
    if (below && grade && rank(grade) > rank(m.cap)) {
      caps.push(`${m.item} ${r?.value == null ? 'not measured' : `${(100 * r.value).toFixed(1)}%`} < ${(100 * m.min).toFixed(0)}%: level capped at ${m.cap} — ${m.reason.en}`);
      capDetails.push({ item: m.item, value: r?.value ?? null, min: m.min, cap: m.cap, reason: m.reason });
      grade = m.cap;
    }
  }

  // One pass over the responses (a run of a million cases holds no array of them).
  const mainResponses = { length: 0 };
  let errors = 0;
  const answered = new Set<string>();
  for (const r of input.responses) {
    if (r.phase !== 'main') continue;
    mainResponses.length++;
    if (r.status === 'error') errors++;
    answered.add(r.caseId);
  }
  const reasons: string[] = [];
  const details: ValidityDetail[] = [];
  const checks: ValidityCheck[] = [];
  const missing = suite.cases.filter((c) => !answered.has(c.id)).length;
  if (missing > 0) {
    reasons.push(`${missing} of ${suite.cases.length} cases have no recorded response`);
    details.push({ code: 'missing-responses', missing, cases: suite.cases.length });
  }
  checks.push({ id: 'responses-complete', passed: missing === 0, message: `${suite.cases.length - missing} of ${suite.cases.length} cases have a recorded response` });
  const errorRate = mainResponses.length ? errors / mainResponses.length : 0;
  const tooManyErrors = errorRate > profile.validity.max_error_rate;
  if (tooManyErrors) {
    reasons.push(`error rate ${(100 * errorRate).toFixed(1)}% exceeds the profile's maximum ${(100 * profile.validity.max_error_rate).toFixed(1)}%`);
    details.push({ code: 'error-rate', rate: errorRate, max: profile.validity.max_error_rate });
  }
  checks.push({ id: 'max-error-rate', passed: !tooManyErrors, message: `error rate ${(100 * errorRate).toFixed(1)}% (maximum ${(100 * profile.validity.max_error_rate).toFixed(1)}%)` });
  const audit = auditChecks(input.responses, profile);
  checks.push(...audit.checks);
  for (const f of audit.failures) {
    reasons.push(f.reason);
    details.push(f.detail);
  }
  for (const b of broken) {
    reasons.push(`${b.dimension} dimension INVALID: ${b.id}: ${b.reason}`);
    details.push({ code: 'measurement', id: b.id, item: b.item, dimension: b.dimension, reason: b.reason });
  }
  for (const m of input.measurements ?? []) {
    // The message names the rule, not the measured figure (which differs between any two runs).
    checks.push({ id: `measurement:${m.id}`, passed: !m.invalid, message: m.invalid ? `${m.id}: ${m.invalid}` : `${m.id}: no rule broken` });
  }
  const caseItems = new Set(suite.cases.map((c) => c.indicator));
  for (const r of indicators) {
    if (!caseItems.has(r.id)) continue;
    const enough = r.n >= profile.validity.min_cases_per_item;
    if (!enough) {
      reasons.push(`${r.id} was measured on ${r.n} cases, fewer than the profile's minimum of ${profile.validity.min_cases_per_item}`);
      details.push({ code: 'min-cases', item: r.id, n: r.n, min: profile.validity.min_cases_per_item });
    }
    checks.push({ id: `min-cases:${r.id}`, passed: enough, message: `${r.id} measured on ${r.n} cases (minimum ${profile.validity.min_cases_per_item})` });
  }

  const measured = new Set((input.measurements ?? []).map((m) => m.id));
  return {
    schema: 'modelgrade.scorecard/v1',
    suite: { id: suite.id, version: suite.version, digest: suite.digest, industry: suite.industry, name: suite.name },
    model: { id: input.model.id, ...(input.model.digest ? { digest: input.model.digest } : {}), ...(input.model.device ? { device: input.model.device } : {}) },
    profile: { id: profile.id, version: profile.version },
    overall,
    grade,
    caps,
    capDetails,
    validity: { valid: reasons.length === 0, reasons, details, checks },
    dimensions,
    indicators,
    scenarios,
    counts: { cases: suite.cases.length, responses: mainResponses.length, errors, scored: countOf(input.scores, (s) => !DERIVED_IDS.has(s.indicator) && !isGroupRow(s) && !measured.has(s.caseId)) },
  };
}

/** The broken rules of run-level measurements, with the dimension of each one's item. */
function measurementRules(ms: readonly Measurement[], catalog: LoadedCatalog): { id: string; item: string; dimension: string; reason: string }[] {
  return ms.filter((m) => m.invalid).map((m) => ({ id: m.id, item: m.indicator, dimension: catalog.items.get(m.indicator)?.dimension ?? 'unknown', reason: m.invalid! }));
}

/** How many of `xs` satisfy `p`. */
function countOf<T>(xs: Iterable<T>, p: (x: T) => boolean): number {
  let n = 0;
  for (const x of xs) if (p(x)) n++;
  return n;
}

/** Per scenario: mean of the case scores (task scorers only) against the scenario's threshold. */
function scenarioResults(input: AggregateInput, scenarioOf: ReadonlyMap<string, AggregateInput['suite']['cases'][number]>): ScenarioResult[] {
  const sums = new Map<string, number[]>();
  for (const s of input.scores) {
    const c = scenarioOf.get(s.caseId);
    if (!c || s.indicator !== c.indicator) continue;
    const list = sums.get(c.scenario);
    if (list) list.push(s.value);
    else sums.set(c.scenario, [s.value]);
  }
  return input.suite.scenarios.map((sc) => {
    const v = sums.get(sc.id) ?? [];
    const value = v.length ? mean(v) : null;
    return { id: sc.id, name: sc.name, value, n: v.length, threshold: sc.threshold, pass: value === null ? null : value >= sc.threshold };
  });
}

/** p50/p90/p99 end-to-end latency (ms) of successful main-phase calls. */
function latencyFigures(responses: Iterable<ResponseRecord>): Record<string, number> {
  const lat: number[] = [];
  for (const r of responses) if (r.phase === 'main' && r.status === 'ok') lat.push(r.timing.latencyMs);
  lat.sort((a, b) => a - b);
  if (!lat.length) return {};
  return { p50_ms: percentileSorted(lat, 50), p90_ms: percentileSorted(lat, 90), p99_ms: percentileSorted(lat, 99) };
}

export { wilson };

/**
 * 95% percentile-bootstrap interval (200 resamples, fixed seed, pairs sorted first so the order of the
 * scores does not matter) of 1 − ECE, widened to contain the point value (ECE is biased upward in resamples).
 */
function calibrationInterval(confidence: number[], correct: number[], value: number): [number, number] {
  const pairs = confidence.map((c, i) => [c, correct[i]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const n = pairs.length;
  if (n < 2) return [0, 1];
  const rand = rng(0x5eed);
  const vals: number[] = [];
  for (let r = 0; r < 200; r++) {
    const c: number[] = [];
    const k: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = pairs[Math.floor(rand() * n)];
      c.push(p[0]);
      k.push(p[1]);
    }
    vals.push(1 - expectedCalibrationError(c, k, 10));
  }
  vals.sort((a, b) => a - b);
  return [Math.max(0, Math.min(value, quantileSorted(vals, 0.025))), Math.min(1, Math.max(value, quantileSorted(vals, 0.975)))];
}
