import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadAll } from '../context.ts';
import { finalizeBundle } from '../finalize.ts';
import { progress } from '../progress.ts';
import { summaryTable } from '../summary.ts';
import { environmentFacts, harnessInfo } from '../environment.ts';
import { energyMeasurements, outputTokens, startGpuSampler } from '../../runners/gpu.ts';
import { addMeasurements } from '../../runners/measurements.ts';
import { measureRun } from '../run-measure.ts';
import { InputError, EXIT } from '../../core/errors.ts';
import { Journal, readJournal, recordKey, retryTotals } from '../../runners/journal.ts';
import { runEngine, type WorkItem } from '../../runners/engine.ts';
import { caseWorkItem } from '../../runners/load-items.ts';
import { DEFAULT_MODEL, openModel, parseModelSpec } from '../../runners/models.ts';
import { stratifiedSample, seededPick } from '../../suites/sample.ts';
import { parseShard, shardCases, type Shard } from '../../suites/shard.ts';
import { promptRenderer } from '../../suites/prompt.ts';
import { expandPerturbations } from '../../suites/perturb.ts';
import { MODELS_DIR } from '../../suites/paths.ts';
import { BUNDLE_FILES, ensureDir, isComplete, writeAtomic } from '../../reports/bundle.ts';
import type { Case, ModelInfo, Phase, ResponseRecord } from '../../core/types.ts';
import { computeDataAudit, dataAuditFigures, DATA_AUDIT_FILE, type DataAuditFigures } from '../data-audit.ts';

/** `run` options as the user gave them (strings from argv). */
export interface RunOptions {
  suite?: string;
  model?: string;
  out?: string;
  profile?: string;
  sample?: string;
  seed?: string;
  concurrency?: string;
  resume?: string;
  lang?: string;
  device?: string;
  timeout?: string;
  /** openai: models: the server-side model (default the first of /v1/models). */
  modelName?: string;
  /** openai: models: name of the environment variable holding the API key (the key itself is never recorded). */
  apiKeyEnv?: string;
  /** `<i>/<n>`, 0-based: run shard i of n. */
  shard?: string;
  /** A vendor's JSONL fine-tuning file: audited after the run (development.data.*), see cli/data-audit.ts. */
  trainData?: string;
  /** fdatasync the journal after every batch, so a power loss loses at most one batch (docs/reliability.md). */
  fsync?: boolean;
  /** Also run the suite's `loads:` scenarios after the cases (operations.*; docs/timing.md). */
  loads?: boolean;
  /** openai: models: check the endpoint's conformance after the cases (application.*). */
  conformance?: boolean;
}

/** `run` options after defaults and checks; recorded in run.json and the manifest. */
export interface ResolvedRunOptions {
  suite: string;
  model: string;
  out: string;
  profile: string | null;
  sample: number | null;
  seed: number;
  concurrency: number;
  lang: 'zh' | 'en';
  device: string;
  /** Harness-owned limit per call (ms). */
  timeoutMs: number;
  /** Present only on a sharded run: the 0-based shard of the (sampled) cases this run covers. */
  shard?: Shard;
  /** With --train-data: the file's sha256 and audit figures (never its content); the per-case flags are in data-audit.json. */
  trainData?: DataAuditFigures;
}

interface RunJson {
  schema: 'modelgrade.run/v1';
  requested: RunOptions;
  resolved: ResolvedRunOptions;
  suite: { id: string; version: string; digest: string };
  startedAt: string;
  model?: ModelInfo;
}

function int(value: string | undefined, field: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new InputError(`must be an integer ≥ ${min}, got "${value}"`, { field });
  return Number(value);
}

/** Resolves defaults and checks every option once. */
export function resolveRunOptions(o: RunOptions, now = new Date()): ResolvedRunOptions {
  const lang = o.lang ?? 'zh';
  if (lang !== 'zh' && lang !== 'en') throw new InputError(`must be zh or en, got "${lang}"`, { field: '--lang' });
  const suite = o.suite ?? 'finance';
  const model = o.model ?? DEFAULT_MODEL;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const slug = (s: string) => s.replace(/^[a-z]+:/, '').split(/[\\/]/).filter(Boolean).pop()?.replace(/[^A-Za-z0-9._-]/g, '_') ?? 'model';
  return {
    suite,
    model,
    out: o.out ?? join('runs', `${stamp}-${slug(suite)}-${slug(model)}`),
    profile: o.profile ?? null,
    sample: o.sample === undefined ? null : int(o.sample, '--sample', 1, 0),
    seed: int(o.seed, '--seed', 0, 1),
    concurrency: int(o.concurrency, '--concurrency', 1, 1),
    lang,
    device: o.device ?? 'cpu',
    timeoutMs: int(o.timeout, '--timeout', 1, 120_000),
    ...(o.shard !== undefined ? { shard: parseShard(o.shard) } : {}),
  };
}

/** Output and interruption hooks (only the CLI entry touches the process). */
export interface RunIo {
  out: (s: string) => void;
  err: (s: string) => void;
  signal: AbortSignal;
}

/** `modelgrade run`: asks the model every case, journals responses, scores them, writes the bundle. */
export async function runCommand(o: RunOptions, io: RunIo): Promise<number> {
  let requested = o;
  let resolved: ResolvedRunOptions;
  let dir: string;
  let prior: RunJson | undefined;
  if (o.resume) {
    dir = o.resume;
    const runFile = join(dir, BUNDLE_FILES.run);
    if (!existsSync(runFile)) throw new InputError(`not a modelgrade bundle (no ${BUNDLE_FILES.run})`, { file: dir });
    if (isComplete(dir)) throw new InputError('the bundle is already complete; use `modelgrade rescore` to recompute it', { file: dir });
    for (const k of ['suite', 'model', 'sample', 'seed', 'profile', 'shard'] as const) {
      if (o[k] !== undefined) throw new InputError(`cannot be changed when resuming (the bundle's run.json fixes it)`, { field: `--${k}` });
    }
    try {
      prior = JSON.parse(readFileSync(runFile, 'utf8')) as RunJson;
    } catch (e) {
      throw new InputError(`unreadable run.json (${(e as Error).message})`, { file: runFile });
    }
    requested = prior.requested;
    resolved = { ...prior.resolved, out: dir };
  } else {
    resolved = resolveRunOptions(o);
    dir = resolved.out;
    if (existsSync(dir)) {
      if (isComplete(dir)) throw new InputError('the output folder already holds a finished bundle; refusing to overwrite it', { file: dir });
      if (existsSync(join(dir, BUNDLE_FILES.run))) throw new InputError('the output folder holds an unfinished run; continue it with --resume', { file: dir });
      // A run killed before its run.json was renamed into place may leave only writeAtomic's temp file.
      if (readdirSync(dir).some((f) => !f.includes('.tmp-'))) throw new InputError('the output folder is not empty', { file: dir });
    }
  }

  const { catalog, suite, profile } = await loadAll(resolved.suite, resolved.profile ?? undefined);
  if (prior && prior.suite.digest !== suite.digest) {
    throw new InputError(`the suite changed since this run started (digest ${suite.digest.slice(0, 12)}… ≠ ${prior.suite.digest.slice(0, 12)}…)`, { file: dir });
  }
  const sampled = resolved.sample ? stratifiedSample(suite.cases, resolved.sample, resolved.seed, suite.digest) : suite.cases;
  const cases = expandPerturbations(shardCases(sampled, suite.digest, resolved.shard), resolved.seed);
  const trainData = o.trainData ?? requested.trainData;
  if (trainData !== undefined && !existsSync(trainData)) throw new InputError('training data file not found', { field: '--train-data', file: trainData });
  const spec = parseModelSpec(resolved.model, MODELS_DIR);
  const apiKeyEnv = o.apiKeyEnv ?? requested.apiKeyEnv;
  const apiKey = apiKeyEnv ? process.env[apiKeyEnv] : undefined;
  if (apiKeyEnv && !apiKey) throw new InputError(`the environment variable ${apiKeyEnv} is not set or empty`, { field: '--api-key-env' });
  const modelName = o.modelName ?? requested.modelName;
  const adapter = await openModel(spec, { device: resolved.device, modelName, apiKey, apiKeyEnv });
  try {
    const model = adapter.describe();
    ensureDir(dir);
    const startedAt = prior?.startedAt ?? new Date().toISOString();
    const runJson: RunJson = {
      schema: 'modelgrade.run/v1',
      requested,
      resolved,
      suite: { id: suite.id, version: suite.version, digest: suite.digest },
      startedAt,
      model,
    };
    writeAtomic(join(dir, BUNDLE_FILES.run), JSON.stringify(runJson, null, 2) + '\n');

    const journalFile = join(dir, BUNDLE_FILES.responses);
    const repaired = await Journal.prepare(journalFile);
    if (repaired.droppedLine) io.err(`note: dropped a torn last line (${repaired.droppedLine}) of ${journalFile}; that case is asked again`);
    const records = await readJournal(journalFile);
    const done = new Set(records.map(recordKey));
    const render = promptRenderer(suite);
    const item = (c: Case, phase: Phase): WorkItem => caseWorkItem(c, phase, render, resolved.seed);
    const byId = new Map(cases.map((c) => [c.id, c]));
    const mainItems = cases.filter((c) => !done.has(recordKey({ caseId: c.id, phase: 'main' }))).map((c) => item(c, 'main'));
    // Re-asks are picked from all the (sampled) cases, then kept if in this shard: merged shards re-ask what an unsharded run does.
    const repeatIds = seededPick(sampled.map((c) => c.id), profile.determinism.repeats, resolved.seed, `${suite.digest}:repeat`).filter((id) => byId.has(id));
    const repeatItems = repeatIds.filter((id) => !done.has(recordKey({ caseId: id, phase: 'repeat' }))).map((id) => item(byId.get(id)!, 'repeat'));
    const items = [...mainItems, ...repeatItems];

    const journal = new Journal(journalFile, { fsync: o.fsync ?? requested.fsync ?? false });
    const bar = progress(items.length, `${suite.id} × ${model.id}`);
    let errors = 0;
    let result;
    // GPU telemetry (nvidia-smi) over the engine's run; energy counts the tokens of this session only.
    const fresh = records.length;
    const gpu = await startGpuSampler(model.kind === 'replay' ? { skip: 'replayed responses use no compute' } : {});
    try {
      bar.update(0, 0);
      const opts = { concurrency: resolved.concurrency, timeoutMs: resolved.timeoutMs, signal: io.signal };
      const onRecord = (r: { status: string }, n: number) => {
        if (r.status === 'error') errors++;
        bar.update(n, errors);
      };
      const sink = (r: ResponseRecord) => {
        journal.append(r);
        records.push(r);
      };
      result = await runEngine(adapter, mainItems, sink, { ...opts, onRecord });
      if (result.state === 'completed') {
        result = await runEngine(adapter, repeatItems, sink, {
          ...opts,
          onRecord: (r, n) => onRecord(r, mainItems.length + n),
        });
      }
    } finally {
      bar.end();
      await gpu.stop();
      await journal.close();
    }
    if (result.state === 'interrupted') {
      io.err(`interrupted: the journal is kept in ${dir}; continue with: modelgrade run --resume ${dir}`);
      return EXIT.interrupted;
    }
    if (trainData !== undefined) {
      // The audit is stored in the bundle; finalize/rescore/verify derive the development.data.* scores from it.
      const audit = await computeDataAudit(trainData, cases);
      writeAtomic(join(dir, DATA_AUDIT_FILE), JSON.stringify(audit, null, 2) + '\n');
      resolved = { ...resolved, trainData: dataAuditFigures(audit) };
      writeAtomic(join(dir, BUNDLE_FILES.run), JSON.stringify({ ...runJson, resolved }, null, 2) + '\n');
    }
    const gpuSummary = await gpu.stop();
    if (gpuSummary.state === 'measured') addMeasurements(dir, energyMeasurements(gpuSummary, outputTokens(records.slice(fresh))), { gpu: gpuSummary });
    await measureRun({
      dir, adapter, spec, model, suite, cases, profile, device: resolved.device, seed: resolved.seed, timeoutMs: resolved.timeoutMs,
      loads: o.loads ?? requested.loads ?? false, conformance: o.conformance ?? requested.conformance ?? false, modelName, apiKey, signal: io.signal, err: io.err,
    });
    if (io.signal.aborted) {
      io.err(`interrupted: the journal is kept in ${dir}; continue with: modelgrade run --resume ${dir}`);
      return EXIT.interrupted;
    }
    const facts = {
      harness: harnessInfo(),
      startedAt,
      finishedAt: new Date().toISOString(),
      seed: resolved.seed,
      environment: environmentFacts({ device: model.device }),
      options: { requested: requested as Record<string, unknown>, resolved: resolved as unknown as Record<string, unknown> },
      model: adapter.describe() as unknown as Record<string, unknown>, // as at the end: e.g. cmd: restarts
      retries: retryTotals(records),
    };
    const { scorecard } = await finalizeBundle({ dir, suite, cases, catalog, profile, model, facts, lang: resolved.lang, journal: records });
    io.out(summaryTable(scorecard, resolved.lang));
    io.out(`Bundle: ${resolve(dir)}`);
    return scorecard.validity.valid ? EXIT.ok : EXIT.invalid;
  } finally {
    await adapter.close();
  }
}
