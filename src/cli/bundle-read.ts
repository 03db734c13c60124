import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.ts';
import { BUNDLE_FILES } from '../reports/bundle.ts';
import type { RunFacts } from '../reports/model.ts';
import type { ModelInfo, Scorecard } from '../core/types.ts';
import { readJsonFile, readJsonl } from '../core/jsonl.ts';
import type { Shard } from '../suites/shard.ts';

/** What a finished bundle's manifest and run.json record. */
export interface BundleRecord {
  dir: string;
  resolved: { suite: string; profile: string | null; sample: number | null; seed: number; lang: 'zh' | 'en'; shard?: Shard };
  suite: { id: string; version: string; digest: string; cases: number };
  facts: RunFacts;
  model: ModelInfo;
  lang: 'zh' | 'en';
}

/** Versions of the bundle files this harness reads (a bundle of another version is refused, not guessed at). */
export const BUNDLE_VERSIONS = {
  predicateType: 'https://modelgrade.dev/run/v1',
  run: 'modelgrade.run/v1',
  scorecard: 'modelgrade.scorecard/v1',
} as const;

/**
 * Reads a finished bundle's records; a missing or malformed file (manifest.json, run.json,
 * responses.jsonl) or a version this harness does not read is an InputError naming it.
 */
export function readBundle(dir: string): BundleRecord {
  if (!existsSync(dir)) throw new InputError('bundle folder not found', { file: dir });
  const run = readJsonFile(join(dir, BUNDLE_FILES.run)) as any;
  const manifestFile = join(dir, BUNDLE_FILES.manifest);
  const manifest = readJsonFile(manifestFile) as any;
  const p = manifest?.predicate;
  if (manifest?._type !== 'https://in-toto.io/Statement/v1' || !p?.facts || !p?.suite || !p?.model) {
    throw new InputError('not a modelgrade manifest (in-toto Statement v1 with a modelgrade predicate)', { file: manifestFile });
  }
  if (manifest.predicateType !== BUNDLE_VERSIONS.predicateType) {
    throw new InputError(`unsupported predicate type ${JSON.stringify(manifest.predicateType)} (this harness reads ${BUNDLE_VERSIONS.predicateType})`, { file: manifestFile, field: 'predicateType' });
  }
  const runFile = join(dir, BUNDLE_FILES.run);
  if (run?.schema !== BUNDLE_VERSIONS.run) {
    throw new InputError(`unsupported schema ${JSON.stringify(run?.schema)} (this harness reads ${BUNDLE_VERSIONS.run})`, { file: runFile, field: 'schema' });
  }
  if (!run?.resolved?.suite) throw new InputError('run.json names no suite', { file: runFile, field: 'resolved.suite' });
  if (!existsSync(join(dir, BUNDLE_FILES.responses))) {
    throw new InputError('file not found: the bundle has no recorded responses', { file: join(dir, BUNDLE_FILES.responses) });
  }
  return { dir, resolved: run.resolved, suite: p.suite, facts: p.facts, model: p.model, lang: p.lang ?? run.resolved.lang ?? 'zh' };
}

/** Reads a bundle's scorecard.json and checks its schema version; an InputError naming the file otherwise. */
export function readScorecard(dir: string): Scorecard {
  const file = join(dir, BUNDLE_FILES.scorecard);
  const card = readJsonFile(file) as any;
  if (card?.schema !== BUNDLE_VERSIONS.scorecard) {
    throw new InputError(`unsupported schema ${JSON.stringify(card?.schema)} (this harness reads ${BUNDLE_VERSIONS.scorecard})`, { file, field: 'schema' });
  }
  return card as Scorecard;
}

/**
 * Reads responses.jsonl through once, checking every record, before a command rewrites the bundle
 * from it: a malformed middle line is an InputError naming file and line while the bundle is still
 * untouched (a torn last line is left to the journal reader, which drops it).
 */
export async function checkResponses(dir: string): Promise<void> {
  const file = join(dir, BUNDLE_FILES.responses);
  for await (const { line, value } of readJsonl(file, { tornTail: true })) {
    const r = value as { caseId?: unknown; status?: unknown; timing?: unknown } | null;
    if (!r || typeof r.caseId !== 'string' || (r.status !== 'ok' && r.status !== 'error') || !r.timing) {
      throw new InputError('not a response record (needs caseId, status, timing)', { file, line });
    }
  }
}
