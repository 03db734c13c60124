import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import { MESSAGES, fill } from './messages.ts';
import type { ReportInput } from './model.ts';
import type { Messages as Catalogue } from './messages.ts';
import type { DimensionResult, IndicatorResult, Scorecard, ValidityDetail } from '../core/types.ts';
import type { HeatMap } from './model.ts';

/** Handlebars for reports: escaping on, templates only from files the project ships, no prototype access. */
const hb = Handlebars.create();
const TEMPLATE = hb.compile(readFileSync(new URL('../../src/reports/templates/scorecard.hbs', import.meta.url), 'utf8'), { strict: false, noEscape: false });
const RUNTIME: Handlebars.RuntimeOptions = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };

const pct1 = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(1)}%`);
const clamp = (x: number) => Math.max(0, Math.min(100, x));

/** Radar chart geometry (numbers only) for the five dimensions. */
function radar(dims: DimensionResult[], lang: 'zh' | 'en') {
  const cx = 160, cy = 150, r = 105;
  const at = (i: number, f: number) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / dims.length;
    return [cx + r * f * Math.cos(a), cy + r * f * Math.sin(a)];
  };
  const poly = (f: (i: number) => number) => dims.map((_, i) => at(i, f(i)).map((v) => v.toFixed(1)).join(',')).join(' ');
  return {
    rings: [0.25, 0.5, 0.75, 1].map((f) => poly(() => f)),
    axes: dims.map((_, i) => {
      const [x, y] = at(i, 1);
      return { x: x.toFixed(1), y: y.toFixed(1) };
    }),
    shape: poly((i) => (dims[i].value ?? 0) / 100),
    labels: dims.map((d, i) => {
      const [x, y] = at(i, 1.18);
      const anchor = Math.abs(x - cx) < 5 ? 'middle' : x > cx ? 'start' : 'end';
      return { x: x.toFixed(1), y: (y + 4).toFixed(1), anchor, text: `${d.name[lang]} ${d.value === null ? '—' : d.value.toFixed(0)}` };
    }),
  };
}

/** Validity reasons in the report's language (English strings are kept in scorecard.json). */
function validityText(sc: Scorecard, m: Catalogue): string[] {
  const d = sc.validity.details;
  if (!d) return sc.validity.reasons;
  return d.map((x: ValidityDetail) =>
    x.code === 'missing-responses'
      ? fill(m.missingResponses, { missing: x.missing, cases: x.cases })
      : x.code === 'error-rate'
        ? fill(m.errorRate, { rate: pct1(x.rate), max: pct1(x.max) })
        : x.code === 'min-cases'
          ? fill(m.minCases, { item: x.item, n: x.n, min: x.min })
          : x.code === 'audit-consistency'
            ? fill(m.auditConsistency, { share: pct1(x.share), min: pct1(x.min) })
            : x.code === 'audit-caching'
              ? fill(m.auditCaching, { speedup: x.speedup.toFixed(2), max: x.max })
              : fill(m.measurementInvalid, { dimension: x.dimension, id: x.id, reason: x.reason }),
  );
}

function capText(sc: Scorecard, m: Catalogue, lang: 'zh' | 'en'): string[] {
  if (!sc.capDetails) return sc.caps;
  return sc.capDetails.map((c) => fill(m.capLine, { item: c.item, value: c.value === null ? m.notMeasured : pct1(c.value), min: pct1(c.min), cap: c.cap, reason: c.reason[lang] }));
}

/** Red (0) → amber (0.5) → green (1), as an rgb() string made of numbers only. */
function heatColour(v: number): string {
  const mix = (a: number[], b: number[], t: number) => a.map((x, i) => Math.round(x + (b[i] - x) * t));
  const [r, g, b] = v < 0.5 ? mix([220, 76, 70], [240, 180, 60], v / 0.5) : mix([240, 180, 60], [40, 150, 90], (v - 0.5) / 0.5);
  return `rgb(${r},${g},${b})`;
}

function heatView(h: HeatMap | undefined, sc: Scorecard, lang: 'zh' | 'en') {
  if (!h || h.indicators.length === 0) return null;
  const names = new Map(sc.indicators.map((i) => [i.id, i.name[lang]]));
  return {
    columns: h.indicators.map((id) => ({ id, name: names.get(id) ?? id })),
    rows: h.scenarios.map((s, r) => ({
      name: s.name[lang],
      cells: h.cells[r].map((c) => (c ? { measured: true, text: pct1(c.value), n: c.n, fill: heatColour(c.value) } : { measured: false, text: '—', n: 0, fill: '#eef1f6' })),
    })),
  };
}

/** Cumulative latency curve as SVG geometry (numbers only). */
function latencyView(lat: number[] | undefined) {
  if (!lat || lat.length < 2) return null;
  const W = 600, H = 220, L = 48, B = 28;
  const max = lat[lat.length - 1] || 1;
  const x = (v: number) => L + ((W - L - 10) * v) / max;
  const y = (f: number) => H - B - (H - B - 10) * f;
  const points = lat.map((v, i) => `${x(v).toFixed(1)},${y((i + 1) / lat.length).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ x: x(f * max).toFixed(1), label: (f * max).toFixed(f * max < 10 ? 1 : 0), y: (H - B + 16).toFixed(0) }));
  const yt = [0, 0.5, 0.9, 1].map((f) => ({ y: y(f).toFixed(1), label: `${Math.round(f * 100)}%` }));
  return { W, H, L, base: (H - B).toFixed(0), points, ticks, yt, right: W - 10 };
}

function indicatorRow(i: IndicatorResult, lang: 'zh' | 'en', m: Catalogue) {
  const measured = i.value !== null;
  const extra = i.extra
    ? Object.entries(i.extra)
        .map(([k, v]) => `${k} ${k.endsWith('_ms') ? `${v.toFixed(1)} ms` : pct1(v)}`)
        .join(' · ')
    : '';
  return {
    id: i.id,
    name: i.name[lang],
    measured,
    value: pct1(i.value),
    ci: i.ci ? `${pct1(i.ci[0])} – ${pct1(i.ci[1])}` : '—',
    lo: i.ci ? clamp(100 * i.ci[0]).toFixed(1) : '0',
    ciw: i.ci ? clamp(100 * (i.ci[1] - i.ci[0])).toFixed(1) : '0',
    mark: measured ? clamp(100 * i.value! - 0.8).toFixed(1) : '0',
    n: i.n,
    pass: i.pass,
    floor: i.floor === undefined ? '—' : pct1(i.floor),
    note: i.noteCode ? m.noteCode[i.noteCode] : (i.note ?? ''),
    extra,
  };
}

/** Content-Security-Policy allowing nothing but the page's own inline style (by hash). */
export function contentSecurityPolicy(style: string): string {
  const hash = createHash('sha256').update(style, 'utf8').digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`;
}

/** Renders scorecard.html: one self-contained file, no external requests, every untrusted string escaped. */
export function renderHtml(input: ReportInput): string {
  const { scorecard: sc, facts, lang } = input;
  const m = MESSAGES[lang];
  const groups = sc.dimensions.map((d) => ({
    name: d.name[lang],
    items: sc.indicators.filter((i) => i.dimension === d.id).map((i) => indicatorRow(i, lang, m)),
  }));
  const view = {
    lang,
    m,
    suiteName: sc.suite.name[lang],
    suite: sc.suite,
    model: sc.model,
    profile: sc.profile,
    grade: sc.grade,
    overall: sc.overall === null ? '—' : sc.overall.toFixed(1),
    date: facts.finishedAt,
    counts: fill(m.counts, sc.counts),
    valid: sc.validity.valid,
    reasons: validityText(sc, m),
    caps: capText(sc, m, lang),
    heat: heatView(input.heat, sc, lang),
    latency: latencyView(input.latency),
    evidence: sc.indicators.filter((i) => i.noteCode === 'evidence-not-reviewed').map((i) => ({ id: i.id, name: i.name[lang], status: m.evidenceStatus })),
    radar: radar(sc.dimensions, lang),
    dimensions: sc.dimensions.map((d) => ({
      name: d.name[lang],
      measured: d.value !== null,
      value: d.value === null ? '' : d.value.toFixed(1),
      pct: d.value === null ? '0' : clamp(d.value).toFixed(1),
      grade: d.grade ?? '—',
      reason: d.value === null ? m.dimensionNotMeasured : '',
      invalid: d.invalid?.length ? `${m.invalid}: ${d.invalid.join('; ')}` : '',
    })),
    indicatorGroups: groups,
    scenarios: sc.scenarios.map((s) => ({ id: s.id, name: s.name[lang], measured: s.value !== null, value: pct1(s.value), threshold: pct1(s.threshold), n: s.n, pass: s.pass })),
    failing: input.failing.map((g) => ({ ...g, count: g.shown.length + g.more, moreText: g.more ? fill(m.more, { n: g.more }) : '' })),
    harness: `${facts.harness.name} ${facts.harness.version}`,
    seed: facts.seed,
    environment: Object.entries(facts.environment).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })),
    optionsRequested: JSON.stringify(facts.options.requested, null, 2),
    optionsResolved: JSON.stringify(facts.options.resolved, null, 2),
  };
  const html = TEMPLATE(view, RUNTIME);
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
  return html.replace('__CSP__', contentSecurityPolicy(style));
}
