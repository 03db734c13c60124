import { join } from 'node:path';
import { recordKey } from '../runners/journal.ts';
import { scoreRun } from '../metrics/score-run.ts';
import { aggregate } from '../metrics/aggregate.ts';
import { renderHtml } from '../reports/html.ts';
import { renderMarkdown } from '../reports/markdown.ts';
import { renderJunit } from '../reports/junit.ts';
import { renderScoresCsv } from '../reports/csv.ts';
import { heatMap, latencyPoints, type ReportInput, type RunFacts } from '../reports/model.ts';
import { FileOut, streamJournal } from './finalize-stream.ts';
import { groupScores } from '../metrics/groups.ts';
import { BUNDLE_FILES, buildManifest, writeAtomic } from '../reports/bundle.ts';
import { digestOf } from '../core/hash.ts';
import { evidenceScores } from './evidence-read.ts';
import { dataAuditScores } from './data-audit.ts';
import { measurementScores, readMeasurements } from '../runners/measurements.ts';
import type { Case, LoadedCatalog, Measurement, ModelInfo, Profile, ResponseRecord, Score, Scorecard, Suite } from '../core/types.ts';

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
  /** Run-level measurements (the bundle's measurements.json): score rows appended, broken rules make their dimension INVALID. */
  measurements?: Measurement[];
}

/**
 * What a bundle holds besides its journal that scoring takes in: the evidence review, the data audit
 * (as score rows) and the run-level measurements. Bad content: InputError naming the file.
 */
export function bundleInputs(dir: string, cases: Case[]): { evidence: Score[]; measurements: Measurement[] } {
  return { evidence: [...evidenceScores(dir), ...dataAuditScores(dir, cases)], measurements: readMeasurements(dir).measurements };
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
  const scores = [...scoreRun(f.cases, responses, f.profile), ...(f.evidence ?? []), ...measurementScores(f.measurements ?? [])];
  const scorecard = aggregate({
    suite: { ...f.suite, cases: f.cases },
    catalog: f.catalog,
    profile: f.profile,
    model: f.model,
    scores,
    responses,
    measurements: f.measurements,
  });
  return { responses, scores, scorecard, text: { responses: jsonlText(responses), scores: jsonlText(scores), scorecard: scorecardText(scorecard) } };
}

/**
 * Turns a bundle's journal into its results: responses.jsonl rewritten in case order (first record
 * of each case and phase wins), scores.jsonl, scorecard.json, the reports, and manifest.json last —
 * a bundle with a manifest is complete. Scores are always recomputed from the responses.
 */
export async function finalizeBundle(f: FinalizeInput): Promise<{ scorecard: Scorecard }> {
  // Bounded memory (a million cases): the journal is streamed from responses.jsonl in case order and
  // scored case by case, rows written as they come (finalize-stream.ts), aggregated from compact
  // column stores. The bytes are those computeResults gives (what `verify` recomputes).
  const file = join(f.dir, BUNDLE_FILES.responses);
  if (f.journal) {
    const out = new FileOut(file);
    for (const r of f.journal) out.write(JSON.stringify(r) + '\n');
    out.close();
  }
  const { evidence, measurements } = bundleInputs(f.dir, f.cases);
  const streamed = streamJournal({
    journalFile: file,
    cases: f.cases,
    profile: f.profile,
    out: { responses: file, scores: join(f.dir, BUNDLE_FILES.scores), csv: join(f.dir, BUNDLE_FILES.csv) },
    tail: (groupCases, groupTask) => [...groupScores(groupCases, groupTask), ...evidence, ...measurementScores(measurements)],
  });
  const scorecard = aggregate({ suite: { ...f.suite, cases: f.cases }, catalog: f.catalog, profile: f.profile, model: f.model, scores: streamed.scores, responses: streamed.responses, measurements });
  const input: ReportInput = {
    scorecard,
    facts: f.facts,
    failing: streamed.failing,
    lang: f.lang,
    heat: heatMap(f.suite.scenarios, f.cases, streamed.scores),
    latency: latencyPoints(streamed.responses),
  };
  writeReports(f.dir, input, FORMATS); // scores.csv was written by the stream (input has no rows)
  const manifest = await buildManifest(f.dir, {
    facts: f.facts,
    suite: { id: f.suite.id, version: f.suite.version, digest: f.suite.digest, cases: f.cases.length },
    profile: { id: f.profile.id, version: f.profile.version, digest: digestOf(f.profile) },
    model: f.model,
    lang: f.lang,
  });
  writeAtomic(join(f.dir, BUNDLE_FILES.manifest), JSON.stringify(manifest, null, 2) + '\n');
  return { scorecard };
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
