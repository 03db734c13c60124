import { join } from 'node:path';
import { readJournal, recordKey } from '../runners/journal.ts';
import { scoreRun } from '../metrics/score-run.ts';
import { aggregate } from '../metrics/aggregate.ts';
import { renderHtml } from '../reports/html.ts';
import { renderMarkdown } from '../reports/markdown.ts';
import { renderJunit } from '../reports/junit.ts';
import { failingCases, type ReportInput, type RunFacts } from '../reports/model.ts';
import { BUNDLE_FILES, buildManifest, writeAtomic } from '../reports/bundle.ts';
import { digestOf } from '../core/hash.ts';
import type { Case, LoadedCatalog, ModelInfo, Profile, ResponseRecord, Score, Scorecard, Suite } from '../core/types.ts';

/** What finalising a bundle needs. */
export interface FinalizeInput {
  dir: string;
  suite: Suite;
  /** The cases this run covers (the sample, or all). */
  cases: Case[];
  catalog: LoadedCatalog;
  profile: Profile;
  model: ModelInfo;
  facts: RunFacts;
  lang: 'zh' | 'en';
  /** The journal's records when the caller holds them all (a run); else responses.jsonl is read. */
  journal?: ResponseRecord[];
}

/** Report formats `report --format` accepts. */
export const FORMATS = ['html', 'json', 'junit', 'md'] as const;
export type Format = (typeof FORMATS)[number];

/**
 * Turns a bundle's journal into its results: responses.jsonl rewritten in case order (first record
 * of each case and phase wins), scores.jsonl, scorecard.json, the reports, and manifest.json last —
 * a bundle with a manifest is complete. Scores are always recomputed from the responses.
 */
export async function finalizeBundle(f: FinalizeInput): Promise<{ scorecard: Scorecard; scores: Score[]; responses: ResponseRecord[] }> {
  const journal = f.journal ?? (await readJournal(join(f.dir, BUNDLE_FILES.responses)));
  const order = new Map(f.cases.map((c, i) => [c.id, i]));
  const seen = new Set<string>();
  const responses = journal.filter((r) => {
    const k = recordKey(r);
    if (seen.has(k) || !order.has(r.caseId)) return false;
    seen.add(k);
    return true;
  });
  responses.sort((a, b) => (a.phase === b.phase ? order.get(a.caseId)! - order.get(b.caseId)! : a.phase === 'main' ? -1 : 1));
  writeAtomic(join(f.dir, BUNDLE_FILES.responses), responses.map((r) => JSON.stringify(r) + '\n').join(''));

  const scores = scoreRun(f.cases, responses, f.profile);
  const scorecard = aggregate({
    suite: { ...f.suite, cases: f.cases },
    catalog: f.catalog,
    profile: f.profile,
    model: f.model,
    scores,
    responses,
  });
  writeAtomic(join(f.dir, BUNDLE_FILES.scores), scores.map((s) => JSON.stringify(s) + '\n').join(''));
  const input: ReportInput = { scorecard, facts: f.facts, failing: failingCases(f.cases, scores, responses), lang: f.lang };
  writeReports(f.dir, input, FORMATS);
  const manifest = await buildManifest(f.dir, {
    facts: f.facts,
    suite: { id: f.suite.id, version: f.suite.version, digest: f.suite.digest, cases: f.cases.length },
    profile: { id: f.profile.id, version: f.profile.version, digest: digestOf(f.profile) },
    model: f.model,
    lang: f.lang,
  });
  writeAtomic(join(f.dir, BUNDLE_FILES.manifest), JSON.stringify(manifest, null, 2) + '\n');
  return { scorecard, scores, responses };
}

/** Writes the chosen report formats of a bundle. */
export function writeReports(dir: string, input: ReportInput, formats: readonly Format[]): void {
  for (const fmt of formats) {
    if (fmt === 'json') writeAtomic(join(dir, BUNDLE_FILES.scorecard), JSON.stringify(input.scorecard, null, 2) + '\n');
    if (fmt === 'html') writeAtomic(join(dir, BUNDLE_FILES.html), renderHtml(input));
    if (fmt === 'md') writeAtomic(join(dir, BUNDLE_FILES.summary), renderMarkdown(input));
    if (fmt === 'junit') writeAtomic(join(dir, BUNDLE_FILES.junit), renderJunit(input));
  }
}
