import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.ts';
import { BUNDLE_FILES } from '../reports/bundle.ts';
import type { RunFacts } from '../reports/model.ts';
import type { ModelInfo } from '../core/types.ts';
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

function readJson(file: string): any {
  if (!existsSync(file)) throw new InputError('file not found', { file });
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message})`, { file });
  }
}

/** Reads a finished bundle's records; a missing or malformed file is an InputError naming it. */
export function readBundle(dir: string): BundleRecord {
  if (!existsSync(dir)) throw new InputError('bundle folder not found', { file: dir });
  const run = readJson(join(dir, BUNDLE_FILES.run));
  const manifest = readJson(join(dir, BUNDLE_FILES.manifest));
  const p = manifest?.predicate;
  if (manifest?._type !== 'https://in-toto.io/Statement/v1' || !p?.facts || !p?.suite || !p?.model) {
    throw new InputError('not a modelgrade manifest (in-toto Statement v1 with a modelgrade predicate)', { file: join(dir, BUNDLE_FILES.manifest) });
  }
  if (!run?.resolved?.suite) throw new InputError('run.json names no suite', { file: join(dir, BUNDLE_FILES.run), field: 'resolved.suite' });
  return { dir, resolved: run.resolved, suite: p.suite, facts: p.facts, model: p.model, lang: p.lang ?? run.resolved.lang ?? 'zh' };
}
