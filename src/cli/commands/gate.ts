import { join, resolve } from 'node:path';
import { readBundle, readScorecard } from '../bundle-read.ts';
import { InputError, EXIT } from '../../core/errors.ts';
import { readJsonl } from '../../core/jsonl.ts';
import { regression, type RegressionDecision } from '../../metrics/compare.ts';
import { BUNDLE_FILES, ensureDir, writeAtomic } from '../../reports/bundle.ts';
import { xml } from '../../reports/junit.ts';
import type { Score, Scorecard } from '../../core/types.ts';

/** `gate` options as given on the command line. */
export interface GateOptions {
  baseline?: string;
  candidate?: string;
  maxDrop?: string;
  alpha?: string;
  out?: string;
}

/** One gated quantity: an indicator item, or a dimension (pooled case scores of its items). */
export interface GateRow {
  kind: 'indicator' | 'dimension';
  id: string;
  decision: RegressionDecision;
}

interface Side {
  dir: string;
  scorecard: Scorecard;
  /** indicator → caseId → value */
  scores: Map<string, Map<string, number>>;
}

async function load(dir: string, role: string): Promise<Side> {
  readBundle(dir);
  let scorecard: Scorecard;
  try {
    scorecard = readScorecard(dir);
  } catch (e) {
    throw new InputError(`${role}: ${(e as InputError).message}`);
  }
  const scores = new Map<string, Map<string, number>>();
  for await (const { value } of readJsonl(join(dir, BUNDLE_FILES.scores))) {
    const s = value as Score;
    const m = scores.get(s.indicator) ?? new Map<string, number>();
    if (!m.has(s.caseId)) m.set(s.caseId, s.value);
    scores.set(s.indicator, m);
  }
  return { dir, scorecard, scores };
}

function num(v: string | undefined, field: string, fallback: number, ok: (x: number) => boolean, what: string): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new InputError(`must be ${what}, got "${v}"`, { field });
  return x;
}

/** Pairs of (baseline, candidate) values on the cases both runs scored for the given indicators. */
function pairs(base: Side, cand: Side, indicators: string[]): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  for (const id of indicators) {
    const x = base.scores.get(id);
    const y = cand.scores.get(id);
    if (!x || !y) continue;
    for (const [caseId, v] of [...x].sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0))) {
      const w = y.get(caseId);
      if (w !== undefined) {
        a.push(v);
        b.push(w);
      }
    }
  }
  return [a, b];
}

const pts = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '—');
const p3 = (p: number) => p.toPrecision(3);

/** gate.md: the step summary (GitHub Actions `$GITHUB_STEP_SUMMARY`). */
export function gateMarkdown(rows: GateRow[], head: { status: string; baseline: string; candidate: string; maxDrop: number; alpha: number; notes: string[] }): string {
  const out: string[] = [];
  out.push(`## modelgrade gate: ${head.status}`, '');
  out.push(`Baseline \`${head.baseline}\` · candidate \`${head.candidate}\` · max drop ${head.maxDrop} points · alpha ${head.alpha}`, '');
  for (const n of head.notes) out.push(`> ${n}`, '');
  if (rows.length) {
    out.push('| | kind | id | n | baseline | candidate | effect (points) | p | test | decision |', '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
    for (const r of rows) {
      const d = r.decision;
      const eff = Number.isFinite(d.dropPoints) ? (-d.dropPoints).toFixed(2) : '—';
      out.push(`| ${d.regressed ? '❌' : '✅'} | ${r.kind} | \`${r.id}\` | ${d.n} | ${pts(d.baseline)} | ${pts(d.candidate)} | ${eff} | ${p3(d.p)} | ${d.method} | ${d.reason.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
    out.push('Effect = candidate − baseline in points (0..100); a regression is a drop beyond the allowed maximum that is significant (two-sided p < alpha). Indicators: exact McNemar on pass/fail case scores, paired bootstrap otherwise. Dimensions: the same test on the pooled case scores of all the dimension\'s indicators (shared cases, unweighted).');
  }
  return out.join('\n') + '\n';
}

/** gate.junit.xml: one testcase per gated indicator and dimension; a regression is a failure. */
export function gateJunit(rows: GateRow[], invalid: string[]): string {
  const cases: string[] = [];
  for (const r of rows) {
    const d = r.decision;
    const name = `${r.kind} ${r.id}`;
    const body = d.regressed ? `<failure message="${xml(d.reason)}">${xml(`effect ${(-d.dropPoints).toFixed(2)} points, p = ${p3(d.p)}, n = ${d.n}, ${d.method}`)}</failure>` : '';
    cases.push(`    <testcase classname="modelgrade.gate.${r.kind}" name="${xml(name)}">${body}</testcase>`);
  }
  for (const m of invalid) cases.push(`    <testcase classname="modelgrade.gate.validity" name="${xml(m.split(':')[0])}"><failure message="${xml(m)}"/></testcase>`);
  const failures = rows.filter((r) => r.decision.regressed).length + invalid.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="modelgrade gate" tests="${cases.length}" failures="${failures}">\n  <testsuite name="modelgrade gate" tests="${cases.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}

/**
 * `modelgrade gate --baseline <bundle> --candidate <bundle> [--max-drop <points>] [--alpha <a>] [--out <dir>]`:
 * paired regression test of the candidate against the baseline on their shared cases, per indicator
 * and per dimension (`regression()` of metrics/compare.ts). Exit 0 pass, 1 regression, 2 bad input
 * (including different suite digests), 3 a bundle is INVALID. Writes gate.md and gate.junit.xml in --out
 * (default: the current directory).
 */
export async function gateCommand(o: GateOptions, io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  if (!o.baseline) throw new InputError('missing --baseline <bundle>', { field: '--baseline' });
  if (!o.candidate) throw new InputError('missing --candidate <bundle>', { field: '--candidate' });
  const maxDrop = num(o.maxDrop, '--max-drop', 2, (x) => x >= 0 && x <= 100, 'a number of points in 0..100');
  const alpha = num(o.alpha, '--alpha', 0.05, (x) => x > 0 && x < 1, 'a number in (0, 1)');
  const outDir = o.out ?? '.';
  const base = await load(o.baseline, 'baseline');
  const cand = await load(o.candidate, 'candidate');
  const bs = base.scorecard.suite;
  const cs = cand.scorecard.suite;
  if (bs.digest !== cs.digest) {
    throw new InputError(`the bundles ran different suites (baseline ${bs.id} ${bs.version} ${bs.digest.slice(0, 12)}…, candidate ${cs.id} ${cs.version} ${cs.digest.slice(0, 12)}…): their cases differ, so a paired comparison is meaningless`);
  }
  const head = { baseline: o.baseline, candidate: o.candidate, maxDrop, alpha };
  const write = (md: string, junit: string) => {
    ensureDir(outDir);
    writeAtomic(join(outDir, 'gate.md'), md);
    writeAtomic(join(outDir, 'gate.junit.xml'), junit);
  };

  const invalid: string[] = [];
  for (const [role, s] of [['baseline', base], ['candidate', cand]] as const) {
    if (!s.scorecard.validity.valid) invalid.push(`${role} INVALID: ${s.scorecard.validity.reasons.join('; ')}`);
  }
  if (invalid.length) {
    for (const m of invalid) io.err(`gate: ${m}`);
    write(gateMarkdown([], { ...head, status: 'INVALID', notes: invalid }), gateJunit([], invalid));
    io.out('gate: INVALID bundle — no comparison made');
    return EXIT.invalid;
  }

  const rows: GateRow[] = [];
  const opts = { maxDrop, alpha, seed: 1 };
  const indicatorIds = cand.scorecard.indicators.map((i) => i.id).filter((id) => base.scores.has(id) && cand.scores.has(id));
  for (const id of indicatorIds) {
    const [a, b] = pairs(base, cand, [id]);
    if (a.length) rows.push({ kind: 'indicator', id, decision: regression(a, b, opts) });
  }
  for (const dim of cand.scorecard.dimensions) {
    const ids = cand.scorecard.indicators.filter((i) => i.dimension === dim.id).map((i) => i.id);
    const [a, b] = pairs(base, cand, ids);
    if (a.length) rows.push({ kind: 'dimension', id: dim.id, decision: regression(a, b, opts) });
  }
  if (rows.length === 0) throw new InputError('the bundles share no scored case: nothing to compare');

  const regressed = rows.filter((r) => r.decision.regressed);
  const status = regressed.length ? 'REGRESSION' : 'PASS';
  const notes = [`${rows.filter((r) => r.kind === 'indicator').length} indicators and ${rows.filter((r) => r.kind === 'dimension').length} dimensions compared on shared cases`];
  write(gateMarkdown(rows, { ...head, status, notes }), gateJunit(rows, []));
  for (const r of regressed) {
    const d = r.decision;
    io.out(`REGRESSED ${r.kind} ${r.id}: effect ${(-d.dropPoints).toFixed(2)} points (${pts(d.baseline)} → ${pts(d.candidate)}), p = ${p3(d.p)}, n = ${d.n}, ${d.method}`);
  }
  io.out(`gate: ${status} (${regressed.length} of ${rows.length} regressed; max drop ${maxDrop} points, alpha ${alpha}) — ${resolve(outDir, 'gate.md')}`);
  return regressed.length ? EXIT.failed : EXIT.ok;
}
