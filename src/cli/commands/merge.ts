import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readBundle, type BundleRecord } from '../bundle-read.ts';
import { loadAll } from '../context.ts';
import { finalizeBundle } from '../finalize.ts';
import { summaryTable } from '../summary.ts';
import { InputError, EXIT } from '../../core/errors.ts';
import { canonicalJson } from '../../core/hash.ts';
import { readJournal } from '../../runners/journal.ts';
import { stratifiedSample } from '../../suites/sample.ts';
import { shardOf } from '../../suites/shard.ts';
import { BUNDLE_FILES, ensureDir, writeAtomic } from '../../reports/bundle.ts';
import { addMeasurements, mergeMeasurements, readMeasurements } from '../../runners/measurements.ts';
import type { ResponseRecord } from '../../core/types.ts';

/** Options that may differ between shards of one run (everything else must be equal). */
const PER_SHARD = new Set(['shard', 'out', 'concurrency', 'timeoutMs', 'resume']);

const withoutPerShard = (o: Record<string, unknown> | undefined): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => !PER_SHARD.has(k)));

const few = (ids: string[]) => ids.slice(0, 5).join(', ') + (ids.length > 5 ? `, … (${ids.length - 5} more)` : '');

/**
 * `modelgrade merge <bundle>... --out <dir>`: joins the bundles of a sharded run (`run --shard i/n`)
 * into one bundle. The shards must share suite digest, model digest and options (apart from shard,
 * out, concurrency and timeout) and together cover every case of the run exactly once; otherwise
 * exit 2 naming what is missing or duplicated. Their journals are concatenated and finalised like
 * one unsharded run, so the scorecard equals an unsharded run's (timing figures aside). Run-level
 * measurements of the same id (each shard's footprint) keep the worst shard's (mergeMeasurements).
 */
export async function mergeCommand(dirs: string[], o: { out?: string }, io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  if (!o.out) throw new InputError('missing --out <dir> for the merged bundle', { field: '--out' });
  if (dirs.length === 0) throw new InputError('merge needs the bundles of a sharded run');
  const out = o.out;
  if (existsSync(out) && readdirSync(out).length > 0) throw new InputError('the output folder is not empty', { file: out });

  const shards: { b: BundleRecord; run: any; journal: ResponseRecord[] }[] = [];
  for (const d of dirs) {
    const b = readBundle(d);
    const run = JSON.parse(readFileSync(join(d, BUNDLE_FILES.run), 'utf8'));
    shards.push({ b, run, journal: await readJournal(join(d, BUNDLE_FILES.responses)) });
  }
  const first = shards[0];
  for (const s of shards.slice(1)) {
    if (s.b.suite.digest !== first.b.suite.digest) {
      throw new InputError(`different suite digests: ${first.b.dir} ran ${first.b.suite.id} ${first.b.suite.digest.slice(0, 12)}…, ${s.b.dir} ran ${s.b.suite.id} ${s.b.suite.digest.slice(0, 12)}…`);
    }
    if ((s.b.model.digest ?? s.b.model.id) !== (first.b.model.digest ?? first.b.model.id)) {
      throw new InputError(`different models: ${first.b.dir} ran ${first.b.model.id} (${String(first.b.model.digest ?? '').slice(0, 12)}…), ${s.b.dir} ran ${s.b.model.id} (${String(s.b.model.digest ?? '').slice(0, 12)}…)`);
    }
    const a = withoutPerShard(first.run.resolved);
    const c = withoutPerShard(s.run.resolved);
    if (canonicalJson(a) !== canonicalJson(c)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(c)])].filter((k) => canonicalJson(a[k] ?? null) !== canonicalJson(c[k] ?? null));
      throw new InputError(`different run options (${keys.map((k) => `${k}: ${JSON.stringify(a[k])} ≠ ${JSON.stringify(c[k])}`).join('; ')}) between ${first.b.dir} and ${s.b.dir}`);
    }
  }
  const counts = new Set(shards.map((s) => s.b.resolved.shard?.count ?? 1));
  if (counts.size > 1) throw new InputError(`the bundles were cut into different numbers of shards (${[...counts].join(', ')})`);
  const n = [...counts][0];

  const r = first.b.resolved;
  const { catalog, suite, profile } = await loadAll(r.suite, r.profile ?? undefined);
  if (suite.digest !== first.b.suite.digest) {
    throw new InputError(`suite "${r.suite}" here has digest ${suite.digest.slice(0, 12)}…, but the shards ran ${first.b.suite.digest.slice(0, 12)}…`);
  }
  const cases = r.sample ? stratifiedSample(suite.cases, r.sample, r.seed, suite.digest) : suite.cases;

  // Coverage: every case answered (main phase) by exactly one shard.
  const by = new Map<string, string[]>();
  for (const s of shards) {
    for (const rec of s.journal) if (rec.phase === 'main') by.set(rec.caseId, [...(by.get(rec.caseId) ?? []), s.b.dir]);
  }
  const missing = cases.filter((c) => !by.has(c.id)).map((c) => c.id);
  const duplicated = cases.filter((c) => (by.get(c.id)?.length ?? 0) > 1).map((c) => c.id);
  const given = new Map<number, string[]>();
  for (const s of shards) {
    const i = s.b.resolved.shard?.index ?? 0;
    given.set(i, [...(given.get(i) ?? []), s.b.dir]);
  }
  const problems: string[] = [];
  if (missing.length) {
    const absent = Array.from({ length: n }, (_, i) => i).filter((i) => !given.has(i));
    const hint = absent.length ? ` (shard${absent.length > 1 ? 's' : ''} ${absent.map((i) => `${i}/${n}`).join(', ')} not given)` : '';
    problems.push(`${missing.length} of ${cases.length} cases missing${hint}: ${few(missing)}`);
  }
  if (duplicated.length) {
    const twice = [...given].filter(([, d]) => d.length > 1).map(([i, d]) => `shard ${i}/${n} given ${d.length} times (${d.join(', ')})`);
    problems.push(`${duplicated.length} cases duplicated${twice.length ? ` — ${twice.join('; ')}` : ''}: ${few(duplicated)}`);
  }
  for (const s of shards) {
    const i = s.b.resolved.shard?.index ?? 0;
    const foreign = s.journal.filter((rec) => rec.phase === 'main' && shardOf(suite.digest, rec.caseId, n) !== i && n > 1).length;
    if (foreign) problems.push(`${s.b.dir} holds ${foreign} cases outside its shard ${i}/${n}`);
  }
  if (problems.length) throw new InputError(`the shards do not cover the run exactly once: ${problems.join('; ')}`);

  const journal = shards.flatMap((s) => s.journal);
  const { shard: _shard, ...resolved } = first.run.resolved as Record<string, unknown>;
  const { shard: _req, ...requested } = (first.run.requested ?? {}) as Record<string, unknown>;
  const startedAt = shards.map((s) => s.b.facts.startedAt).sort()[0];
  const finishedAt = shards.map((s) => s.b.facts.finishedAt).sort().pop()!;
  ensureDir(out);
  const runJson = { ...first.run, requested, resolved: { ...resolved, out }, startedAt, mergedFrom: shards.map((s) => ({ dir: resolve(s.b.dir), shard: s.b.resolved.shard ?? null })) };
  writeAtomic(join(out, BUNDLE_FILES.run), JSON.stringify(runJson, null, 2) + '\n');
  const docs = shards.map((s) => readMeasurements(s.b.dir));
  if (docs.some((d) => d.measurements.length)) addMeasurements(out, mergeMeasurements(docs.map((d) => d.measurements)), { shards: docs.map((d) => d.sections) });
  const facts = {
    ...first.b.facts,
    startedAt,
    finishedAt,
    options: { requested, resolved: { ...resolved, out } },
  };
  const lang = first.b.lang;
  const { scorecard } = await finalizeBundle({ dir: out, suite, cases, catalog, profile, model: first.b.model, facts, lang, journal });
  io.out(`merged ${shards.length} shard${shards.length === 1 ? '' : 's'} of ${n}: ${cases.length} cases`);
  io.out(summaryTable(scorecard, lang));
  io.out(`Bundle: ${resolve(out)}`);
  return scorecard.validity.valid ? EXIT.ok : EXIT.invalid;
}
