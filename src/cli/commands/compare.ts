import { writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readBundle, readScorecard } from '../bundle-read.ts';
import { loadAll } from '../context.ts';
import { InputError, EXIT } from '../../core/errors.ts';
import { readJsonl } from '../../core/jsonl.ts';
import { readJournal } from '../../runners/journal.ts';
import { pairedBinary, pairedBootstrap } from '../../metrics/compare.ts';
import { BUNDLE_FILES } from '../../reports/bundle.ts';
import { renderCompareHtml, type CompareRow, type FlippedCase } from '../../reports/compare.ts';
import type { ResponseRecord, Score, Scorecard } from '../../core/types.ts';

interface Loaded {
  dir: string;
  scorecard: Scorecard;
  scores: Map<string, Map<string, Score>>;
  outputs: Map<string, ResponseRecord>;
}

async function load(dir: string): Promise<Loaded & { bundle: ReturnType<typeof readBundle> }> {
  const bundle = readBundle(dir);
  const scorecard: Scorecard = readScorecard(dir);
  const scores = new Map<string, Map<string, Score>>();
  for await (const { value } of readJsonl(join(dir, BUNDLE_FILES.scores))) {
    const s = value as Score;
    const m = scores.get(s.indicator) ?? new Map<string, Score>();
    m.set(s.caseId, s);
    scores.set(s.indicator, m);
  }
  const outputs = new Map((await readJournal(join(dir, BUNDLE_FILES.responses))).filter((r) => r.phase === 'main').map((r) => [r.caseId, r]));
  return { dir, bundle, scorecard, scores, outputs };
}

/** Paired test of a later run against the baseline on the cases both scored for one indicator. */
function pairedTest(base: Map<string, Score> | undefined, other: Map<string, Score> | undefined) {
  if (!base || !other) return null;
  const a: number[] = [];
  const b: number[] = [];
  for (const [id, s] of base) {
    const t = other.get(id);
    if (!t) continue;
    a.push(s.value);
    b.push(t.value);
  }
  if (a.length === 0) return null;
  const binary = [...a, ...b].every((v) => v === 0 || v === 1);
  if (binary) {
    const r = pairedBinary(a, b);
    return { diff: r.diff, p: r.p, n: r.n, method: 'McNemar exact', ci95: r.ci95 };
  }
  const r = pairedBootstrap(a, b, { seed: 1 });
  return { diff: r.diff, p: r.p, n: r.n, method: 'paired bootstrap', ci95: r.ci95 };
}

/**
 * `modelgrade compare <bundle>... --out <file.html>`: runs side by side against the first
 * (baseline): dimensions, items with paired significance on shared cases, and cases that flipped.
 * Runs of different suite digests are refused unless `force`.
 */
export async function compareCommand(
  dirs: string[],
  o: { out?: string; force?: boolean; lang?: string },
  io: { out: (s: string) => void },
): Promise<number> {
  if (dirs.length < 2) throw new InputError('compare needs at least two bundles');
  if (!o.out) throw new InputError('missing --out <file.html>', { field: '--out' });
  const lang = (o.lang ?? 'zh') as 'zh' | 'en';
  if (lang !== 'zh' && lang !== 'en') throw new InputError('must be zh or en', { field: '--lang' });
  const runs: Awaited<ReturnType<typeof load>>[] = [];
  for (const d of dirs) runs.push(await load(d));
  const digests = new Set(runs.map((r) => r.scorecard.suite.digest));
  if (digests.size > 1 && !o.force) {
    const list = runs.map((r) => `${r.dir}: ${r.scorecard.suite.id} ${r.scorecard.suite.version} ${r.scorecard.suite.digest.slice(0, 12)}…`).join('; ');
    throw new InputError(`the bundles ran different suites (different digests: ${list}); their cases are not the same, so scores are not comparable. Use --force to compare anyway`);
  }
  const base = runs[0];
  const { suite } = await loadAll(base.bundle.resolved.suite, base.bundle.resolved.profile ?? undefined).catch(() => ({ suite: undefined }));
  const caseText = new Map((suite?.cases ?? []).map((c) => [c.id, c.input]));

  const dimensions: CompareRow[] = base.scorecard.dimensions.map((d) => ({
    id: d.id,
    name: d.name,
    values: runs.map((r) => r.scorecard.dimensions.find((x) => x.id === d.id)?.value ?? null),
    tests: runs.slice(1).map((r) => {
      const v = r.scorecard.dimensions.find((x) => x.id === d.id)?.value;
      return d.value === null || v === null || v === undefined ? null : { diff: v - d.value, p: NaN, n: 0, method: '', ci95: [0, 0] as [number, number] };
    }),
  }));
  const indicators: CompareRow[] = base.scorecard.indicators
    .filter((i) => runs.some((r) => r.scorecard.indicators.find((x) => x.id === i.id)?.value !== null))
    .map((i) => ({
      id: i.id,
      name: i.name,
      dimension: i.dimension,
      values: runs.map((r) => r.scorecard.indicators.find((x) => x.id === i.id)?.value ?? null),
      tests: runs.slice(1).map((r) => pairedTest(base.scores.get(i.id), r.scores.get(i.id))),
    }));

  const flipped: FlippedCase[] = [];
  let flippedMore = 0;
  const LIMIT = 100;
  runs.slice(1).forEach((r, k) => {
    for (const [indicator, byCase] of base.scores) {
      const other = r.scores.get(indicator);
      if (!other || !caseTask(indicator)) continue;
      for (const [id, s] of byCase) {
        const t = other.get(id);
        if (!t || t.pass === s.pass) continue;
        if (flipped.length >= LIMIT) {
          flippedMore++;
          continue;
        }
        const out = (x: ResponseRecord | undefined) => (x ? (x.status === 'ok' ? x.output : `[error] ${x.error.message}`) : '');
        flipped.push({ run: k + 1, caseId: id, indicator, direction: s.pass ? 'regressed' : 'fixed', input: caseText.get(id) ?? '', before: out(base.outputs.get(id)), after: out(r.outputs.get(id)) });
      }
    }
  });

  const html = renderCompareHtml({
    lang,
    suite: { id: base.scorecard.suite.id, version: base.scorecard.suite.version, digest: base.scorecard.suite.digest },
    forced: digests.size > 1,
    runs: runs.map((r) => ({ label: basename(resolve(r.dir)), model: r.scorecard.model.id, overall: r.scorecard.overall, grade: r.scorecard.grade, valid: r.scorecard.validity.valid })),
    dimensions,
    indicators,
    flipped,
    flippedMore,
  });
  writeFileSync(o.out, html);
  for (const row of indicators) {
    const tests = row.tests.map((t) => (t ? `${t.diff >= 0 ? '+' : ''}${(100 * t.diff).toFixed(1)} (p=${t.p < 0.001 ? '<0.001' : t.p.toFixed(3)})` : '—')).join('  ');
    io.out(`${row.id.padEnd(44)} ${row.values.map((v) => (v === null ? '—' : `${(100 * v).toFixed(1)}%`).padStart(7)).join(' ')}  ${tests}`);
  }
  io.out(`${flipped.length + flippedMore} flipped cases; wrote ${o.out}`);
  return EXIT.ok;
}

/** Indicators fed by the cases' own tasks (derived per-call measurements flip with timing, not answers). */
function caseTask(indicator: string): boolean {
  return !['operations.latency.e2e-slo', 'operations.availability.success-rate', 'development.management.determinism'].includes(indicator);
}
