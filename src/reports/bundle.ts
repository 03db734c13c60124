import { existsSync, readdirSync, renameSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../core/hash.ts';
import type { RunFacts } from './model.ts';

/** File names of a bundle (a contract: outside checks rely on them). */
export const BUNDLE_FILES = {
  manifest: 'manifest.json',
  signature: 'manifest.dsse.json',
  run: 'run.json',
  responses: 'responses.jsonl',
  scores: 'scores.jsonl',
  scorecard: 'scorecard.json',
  html: 'scorecard.html',
  junit: 'junit.xml',
  summary: 'summary.md',
  csv: 'scores.csv',
  /** Run-level measurements: load scenarios, endpoint conformance, footprint, energy. */
  measurements: 'measurements.json',
} as const;

/** Writes a file atomically (temporary file, then rename), so no reader sees half of it. */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** A bundle is complete when its manifest exists (written last). */
export function isComplete(dir: string): boolean {
  return existsSync(join(dir, BUNDLE_FILES.manifest));
}

/** Ensures a folder exists. */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/**
 * in-toto Statement v1 over every file of the bundle (except the manifest and its signature),
 * with the run's facts as predicate.
 */
export async function buildManifest(dir: string, predicate: Record<string, unknown> & { facts: RunFacts }) {
  const names = readdirSync(dir)
    .filter((f) => f !== BUNDLE_FILES.manifest && f !== BUNDLE_FILES.signature && !f.includes('.tmp-') && statSync(join(dir, f)).isFile())
    .sort();
  const subject = [];
  for (const name of names) subject.push({ name, digest: { sha256: await sha256File(join(dir, name)) } });
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject,
    predicateType: 'https://modelgrade.dev/run/v1',
    predicate,
  };
}
