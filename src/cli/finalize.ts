import { join } from 'node:path';
import { readJournal, recordKey } from '../runners/journal.ts';
import { scoreRun } from '../metrics/score-run.ts';
import { aggregate } from '../metrics/aggregate.ts';
import { renderHtml } from '../reports/html.ts';
import { renderMarkdown } from '../reports/markdown.ts';
import { renderJunit } from '../reports/junit.ts';
import { renderScoresCsv } from '../reports/csv.ts';
import { reportInput, type ReportInput, type RunFacts } from '../reports/model.ts';
import { BUNDLE_FILES, buildManifest, writeAtomic } from '../reports/bundle.ts';
import { digestOf } from '../core/hash.ts';
import { evidenceScores } from './evidence-read.ts';
import { dataAuditScores } from './data-audit.ts';
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
export const FORMATS = ['html', 'json', 'junit', 'md', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** What scoring a run needs: everything but the bundle folder and the report facts. */
export interface ComputeInput {
  suite: Suite;
  /** The cases this run covers (the sample, or all). */
  cases: Case[];
  catalog: LoadedCatalog;
  profile: Profile;
  model: ModelInfo;
  /** The journal's records, in any order, duplicates allowed (the first of each case and phase wins). */
  journal: ResponseRecord[];
  /** Scores of reviewed evidence items (the bundle's evidence.json), appended to the case scores. */
  evidence?: Score[];
}

/** A run's results and the exact bytes finalizeBundle writes for them. */
export interface ComputedResults {
  responses: ResponseRecord[];
  scores: Score[];
  scorecard: Scorecard;
  /** Contents of responses.jsonl, scores.jsonl and scorecard.json, byte for byte as written. */
  text: { responses: string; scores: string; scorecard: string };
}

/** The text of scores.jsonl / responses.jsonl: one JSON record per line. */
export const jsonlText = (records: readonly unknown[]): string => records.map((r) => JSON.stringify(r) + '\n').join('');

/** The text of scorecard.json. */
export const scorecardText = (scorecard: Scorecard): string => JSON.stringify(scorecard, null, 2) + '\n';

/**
 * Scores and aggregates a journal without touching any file: the journal is put in case order
 * (first record of each case and phase wins, cases outside the run dropped), scored case by case
 * and aggregated into the scorecard. finalizeBundle writes exactly what this returns; `verify`
 * recomputes with it and compares.
 */
export function computeResults(f: ComputeInput): ComputedResults {
  const order = new Map(f.cases.map((c, i) => [c.id, i]));
  const seen = new Set<string>();
  const responses = f.journal.filter((r) => {
    const k = recordKey(r);
    if (seen.has(k) || !order.has(r.caseId)) return false;
    seen.add(k);
    return true;
  });
  responses.sort((a, b) => (a.phase === b.phase ? order.get(a.caseId)! - order.get(b.caseId)! : a.phase === 'main' ? -1 : 1));
  const scores = [...scoreRun(f.cases, responses, f.profile), ...(f.evidence ?? [])];
  const scorecard = aggregate({
    suite: { ...f.suite, cases: f.cases },
    catalog: f.catalog,
    profile: f.profile,
    model: f.model,
    scores,
    responses,
  });
  return { responses, scores, scorecard, text: { responses: jsonlText(responses), scores: jsonlText(scores), scorecard: scorecardText(scorecard) } };
}

/**
 * Turns a bundle's journal into its results: responses.jsonl rewritten in case order (first record
 * of each case and phase wins), scores.jsonl, scorecard.json, the reports, and manifest.json last —
 * a bundle with a manifest is complete. Scores are always recomputed from the responses.
 */
export async function finalizeBundle(f: FinalizeInput): Promise<{ scorecard: Scorecard; scores: Score[]; responses: ResponseRecord[] }> {
  const journal = f.journal ?? (await readJournal(join(f.dir, BUNDLE_FILES.responses)));
  const { responses, scores, scorecard, text } = computeResults({ ...f, journal, evidence: [...evidenceScores(f.dir), ...dataAuditScores(f.dir, f.cases)] });
  writeAtomic(join(f.dir, BUNDLE_FILES.responses), text.responses);
  writeAtomic(join(f.dir, BUNDLE_FILES.scores), text.scores);
  const input = reportInput({ scorecard, facts: f.facts, cases: f.cases, scores, responses, scenarios: f.suite.scenarios, lang: f.lang });
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
    if (fmt === 'json') writeAtomic(join(dir, BUNDLE_FILES.scorecard), scorecardText(input.scorecard));
    if (fmt === 'html') writeAtomic(join(dir, BUNDLE_FILES.html), renderHtml(input));
    if (fmt === 'md') writeAtomic(join(dir, BUNDLE_FILES.summary), renderMarkdown(input));
    if (fmt === 'junit') writeAtomic(join(dir, BUNDLE_FILES.junit), renderJunit(input));
    if (fmt === 'csv' && input.rows) writeAtomic(join(dir, BUNDLE_FILES.csv), renderScoresCsv(input.rows.cases, input.rows.scores, input.rows.responses));
  }
}
