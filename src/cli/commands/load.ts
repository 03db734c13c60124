import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadAll } from '../context.ts';
import { EXIT, InputError } from '../../core/errors.ts';
import { didYouMean } from '../../core/registry.ts';
import type { LoadScenario, Profile } from '../../core/types.ts';
import { DEFAULT_MODEL, openModel, parseModelSpec } from '../../runners/models.ts';
import { MODELS_DIR } from '../../suites/paths.ts';
import { promptRenderer } from '../../suites/prompt.ts';
import { loadItems } from '../../runners/load-items.ts';
import { LOAD_SCENARIOS, isOpenLoop, runScenario, sweepSummary, type LoadResult, type LoadSettings } from '../../runners/load.ts';
import { loadMeasurements } from '../../runners/load-measure.ts';
import { fmt, type Dist } from '../../runners/load-stats.ts';
import { addMeasurements } from '../../runners/measurements.ts';
import { BUNDLE_FILES, ensureDir, writeAtomic } from '../../reports/bundle.ts';

/** `load` options as given (strings from argv). */
export interface LoadOptions {
  model?: string;
  suite?: string;
  scenario?: string;
  rate?: string;
  rates?: string;
  arrivals?: string;
  gammaShape?: string;
  duration?: string;
  minQueries?: string;
  concurrency?: string;
  profile?: string;
  seed?: string;
  out?: string;
  json?: boolean;
  modelName?: string;
  apiKeyEnv?: string;
  timeout?: string;
  device?: string;
}

/** File of the raw load results in the --out folder. */
export const LOAD_FILE = 'load.json';

function num(v: string | undefined, field: string, o: { int?: boolean; min: number; open?: boolean }): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  const bad = v.trim() === '' || !Number.isFinite(x) || (o.int && !Number.isInteger(x)) || (o.open ? x <= o.min : x < o.min);
  if (bad) throw new InputError(`must be ${o.int ? 'an integer' : 'a number'} ${o.open ? '>' : '≥'} ${o.min}, got "${v}"`, { field });
  return x;
}

/** Checks --scenario and which rate options it takes (before anything is loaded). */
function checkScenario(o: LoadOptions): asserts o is LoadOptions & { scenario: LoadScenario } {
  if (o.scenario === undefined) throw new InputError(`is required: one of ${LOAD_SCENARIOS.join(', ')}`, { field: '--scenario' });
  if (!(LOAD_SCENARIOS as readonly string[]).includes(o.scenario)) {
    throw new InputError(`unknown scenario "${o.scenario}"${didYouMean(o.scenario, LOAD_SCENARIOS)}; use one of ${LOAD_SCENARIOS.join(', ')}`, { field: '--scenario' });
  }
  const s = o.scenario as LoadScenario;
  if (o.rates !== undefined && s !== 'server') throw new InputError('a rate sweep is for --scenario server only', { field: '--rates' });
  if (o.rates !== undefined && o.rate !== undefined) throw new InputError('give --rate or --rates, not both', { field: '--rates' });
  if (isOpenLoop(s) && o.rate === undefined && o.rates === undefined) throw new InputError(`--scenario ${s} needs an offered rate: --rate <req/s>${s === 'server' ? ' or --rates a,b,c' : ''}`, { field: '--rate' });
  if (!isOpenLoop(s) && o.rate !== undefined) throw new InputError(`--scenario ${s} is closed loop and takes no rate`, { field: '--rate' });
}

/** Checks the options and makes the settings of each scenario run (several for a --rates sweep). */
export function resolveLoadSettings(o: LoadOptions, profile: Profile): LoadSettings[] {
  checkScenario(o);
  const scenario = o.scenario;
  const arrivals = o.arrivals ?? 'poisson';
  if (arrivals !== 'poisson' && arrivals !== 'gamma') throw new InputError(`unknown arrivals "${arrivals}"${didYouMean(arrivals, ['poisson', 'gamma'])}`, { field: '--arrivals' });
  const rate = num(o.rate, '--rate', { min: 0, open: true });
  let rates: number[] | undefined;
  if (o.rates !== undefined) {
    rates = o.rates.split(',').map((x) => num(x.trim(), '--rates', { min: 0, open: true })!);
    rates = [...new Set(rates)].sort((a, b) => a - b);
  }
  const base = {
    scenario,
    arrivals: arrivals as 'poisson' | 'gamma',
    gammaShape: num(o.gammaShape, '--gamma-shape', { min: 0, open: true }) ?? 1,
    durationS: num(o.duration, '--duration', { min: 0, open: true }) ?? profile.load.min_duration_s,
    minQueries: num(o.minQueries, '--min-queries', { int: true, min: 1 }) ?? profile.load.min_queries,
    concurrency: num(o.concurrency, '--concurrency', { int: true, min: 1 }) ?? 8,
    seed: num(o.seed, '--seed', { int: true, min: 0 }) ?? 1,
    timeoutMs: num(o.timeout, '--timeout', { int: true, min: 1 }) ?? 120_000,
  };
  if (o.gammaShape !== undefined && arrivals !== 'gamma') throw new InputError('--gamma-shape needs --arrivals gamma', { field: '--gamma-shape' });
  return (rates ?? [rate]).map((r) => ({ ...base, ...(r !== undefined ? { rate: r } : {}) }));
}

/** A result without its per-call rows (for printing and measurements.json; load.json keeps them). */
const slim = (r: LoadResult) => (r.state === 'completed' ? { ...r, calls: undefined } : r);

const d3 = (d: Dist | null) => (d ? `p50 ${fmt(d.p50).padStart(7)}  p90 ${fmt(d.p90).padStart(7)}  p99 ${fmt(d.p99).padStart(7)}` : '—');

/** The printed figures and verdict of one result. */
export function resultTable(r: LoadResult, profile: Profile): string {
  const L: string[] = [];
  const row = (k: string, v: string) => L.push(`  ${k.padEnd(16)}${v}`);
  const s = r.settings;
  const how = isOpenLoop(r.scenario) ? `${s.rate} req/s offered, ${s.arrivals}${s.arrivals === 'gamma' ? ` k=${s.gammaShape}` : ''}` : r.scenario === 'offline' ? `concurrency ${s.concurrency}` : 'one query at a time';
  L.push(`${r.id} · ${how}`);
  if (r.state === 'errored') {
    row('state', `errored: ${r.error}`);
  } else {
    const f = r.figures;
    row('queries', `${f.queries} (${f.completed} ok, ${f.errors} errors) in ${fmt(f.durationS)} s`);
    row('throughput', `${fmt(f.requestThroughput)} req/s  ${fmt(f.outputTokenThroughput)} tok/s  goodput ${fmt(f.goodput)} req/s`);
    row('TTFT ms', d3(f.ttftMs));
    row('E2E ms', d3(f.e2eMs));
    row('TPOT ms', d3(f.tpotMs));
    row('ITL/chunk ms', d3(f.itlChunkMs));
    row('ITL/token ms', d3(f.itlTokenMs));
    if (isOpenLoop(r.scenario)) row('client lag ms', d3(f.clientLagMs));
    const slo = `E2E ≤ ${profile.slo.e2e_ms} ms${profile.slo.ttft_ms !== undefined ? `, TTFT ≤ ${profile.slo.ttft_ms} ms` : ''}`;
    row(`SLO (p${r.slo.percentile})`, `${slo}: ${r.slo.met ? 'met' : 'NOT met'} (${(f.sloShare.all * 100).toFixed(1)}% of calls met all)`);
    row('windows req/s', r.windows.map((w) => fmt(w.reqPerS)).join(' '));
    row('drift', r.drift.checks.map((c) => `${c.passed ? 'ok' : 'FAIL'} ${c.message}`).join('; '));
  }
  row('validity', r.valid ? 'VALID' : `INVALID${r.reasons.some((x) => x.startsWith('UNSTABLE')) ? ' (UNSTABLE)' : ''}`);
  for (const x of r.reasons) L.push(`    - ${x}`);
  return L.join('\n');
}

/** `modelgrade load`: runs a load scenario against a model, prints the figures and the verdict. */
export async function loadCommand(o: LoadOptions, io: { out: (s: string) => void; err: (s: string) => void; signal: AbortSignal }): Promise<number> {
  checkScenario(o);
  const { suite, profile } = await loadAll(o.suite ?? 'finance', o.profile);
  const settings = resolveLoadSettings(o, profile);
  if (o.out !== undefined && existsSync(o.out) && !existsSync(join(o.out, BUNDLE_FILES.run)) && readdirSync(o.out).length > 0) {
    throw new InputError('--out must be a new or empty folder, or a run bundle', { file: o.out });
  }
  const spec = parseModelSpec(o.model ?? DEFAULT_MODEL, MODELS_DIR);
  const apiKey = o.apiKeyEnv ? process.env[o.apiKeyEnv] : undefined;
  if (o.apiKeyEnv && !apiKey) throw new InputError(`the environment variable ${o.apiKeyEnv} is not set or empty`, { field: '--api-key-env' });
  const adapter = await openModel(spec, { device: o.device ?? 'cpu', modelName: o.modelName, apiKey, apiKeyEnv: o.apiKeyEnv });
  const results: LoadResult[] = [];
  try {
    const model = adapter.describe();
    const items = loadItems(suite.cases, promptRenderer(suite), settings[0].seed, suite.digest);
    for (const s of settings) {
      if (io.signal.aborted) break;
      results.push(await runScenario(adapter, items, s, profile, { signal: io.signal }));
    }
    const sweep = settings.length > 1 ? sweepSummary(results) : undefined;
    if (o.json) {
      io.out(JSON.stringify({ model: model.id, suite: suite.id, profile: profile.id, results: results.map(slim), ...(sweep ? { sweep } : {}) }, null, 2));
    } else {
      io.out(`${suite.id} ${suite.version} · ${model.id}${model.device ? ` (${model.device})` : ''} · profile ${profile.id}`);
      for (const r of results) io.out(resultTable(r, profile));
      if (sweep) io.out(`highest rate meeting the SLOs at p${sweep.percentile}: ${sweep.maxRate === null ? 'none of the rates tried' : `${sweep.maxRate} req/s`}`);
    }
    if (o.out !== undefined) {
      ensureDir(o.out);
      const doc = { schema: 'modelgrade.load/v1', model, suite: { id: suite.id, version: suite.version, digest: suite.digest }, profile: { id: profile.id, version: profile.version }, results, ...(sweep ? { sweep } : {}) };
      writeAtomic(join(o.out, LOAD_FILE), JSON.stringify(doc, null, 2) + '\n');
      addMeasurements(o.out, loadMeasurements(results, profile), { load: results.map(slim) });
      if (!o.json) io.out(`Wrote ${resolve(o.out, LOAD_FILE)} and measurements.json${existsSync(join(o.out, BUNDLE_FILES.run)) ? ' (re-grade the bundle with `modelgrade rescore`)' : ''}`);
    }
  } finally {
    await adapter.close();
  }
  if (io.signal.aborted) return EXIT.interrupted;
  return results.every((r) => r.valid) ? EXIT.ok : EXIT.invalid;
}
