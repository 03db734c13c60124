import { readJsonFile } from '../core/jsonl.ts';
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../core/errors.ts';
import { sha256File } from '../core/hash.ts';
import { auditFile, type DataQualityReport } from '../metrics/data-quality.ts';
import { contaminationOfFile, type ContaminationResult } from '../metrics/contamination.ts';
import { isVariantId } from '../suites/perturb.ts';
import type { Case, Score } from '../core/types.ts';

/** File name of the training-data audit inside a bundle. */
export const DATA_AUDIT_FILE = 'data-audit.json';

export const DATA_ITEMS = { quality: 'development.data.quality', contamination: 'development.data.contamination' } as const;

/** Invalid lines listed in data-audit.json at most (the count is always exact). */
const MAX_LISTED = 100;

/**
 * What `run --train-data` stores in the bundle (data-audit.json) and what `data-audit` prints:
 * the file's identity (name, size, sha256 — never its content), the quality figures and, when cases
 * were given, the per-case contamination figures. Scores are derived from this file alone
 * (`dataAuditScores`), so rescore and verify recompute them without the training file.
 */
export interface DataAuditDoc {
  schema: 'modelgrade.data-audit/v1';
  file: { name: string; bytes: number; sha256: string };
  quality: Omit<DataQualityReport, 'nearPairs' | 'invalidLines'> & { nearPairs: number; invalidLines: DataQualityReport['invalidLines'] };
  contamination: null | {
    options: ContaminationResult['options'];
    cases: number;
    contaminated: number;
    share: number;
    perCase: Array<{ caseId: string; grams: number; found: number; overlap: number; contaminated: boolean }>;
  };
}

/** The figures recorded in run.json / the manifest (resolved options). */
export interface DataAuditFigures {
  file: string;
  sha256: string;
  bytes: number;
  format: string | null;
  records: number;
  duplicates: number;
  nearDuplicates: number;
  invalidLines: number;
  emptyRecords: number;
  piiPerThousandChars: number;
  piiRecordShare: number;
  labelBalance: { field: string; classes: number; entropyRatio: number; largestShare: number } | null;
  quality: number;
  contaminationShare: number | null;
  contaminatedCases: number | null;
}

/** Audits a training file; contamination against `cases` when given (perturbed variants are left out). */
export async function computeDataAudit(file: string, cases?: readonly Case[]): Promise<DataAuditDoc> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError('training data file not found', { file });
  const q = await auditFile(file);
  if (q.records > 0 && q.counts.invalid === q.records) {
    const first = q.invalidLines[0];
    throw new InputError(`no record of a known shape (text, prompt/completion, instruction/output, messages): ${first.reason}`, { file, line: first.line });
  }
  let contamination: DataAuditDoc['contamination'] = null;
  if (cases) {
    const c = await contaminationOfFile(cases.filter((x) => !isVariantId(x.id)), file);
    contamination = {
      options: c.options,
      cases: c.cases.length,
      contaminated: c.contaminated,
      share: c.share,
      perCase: c.cases.map((x) => ({ caseId: x.caseId, grams: x.grams, found: x.found, overlap: x.overlap, contaminated: x.contaminated })),
    };
  }
  const { nearPairs, invalidLines, ...rest } = q;
  return {
    schema: 'modelgrade.data-audit/v1',
    file: { name: basename(file), bytes: statSync(file).size, sha256: await sha256File(file) },
    quality: { ...rest, nearPairs: nearPairs.length, invalidLines: invalidLines.slice(0, MAX_LISTED) },
    contamination,
  };
}

/** The summary figures of an audit. */
export function dataAuditFigures(d: DataAuditDoc): DataAuditFigures {
  const q = d.quality;
  return {
    file: d.file.name,
    sha256: d.file.sha256,
    bytes: d.file.bytes,
    format: q.format,
    records: q.records,
    duplicates: q.counts.duplicate,
    nearDuplicates: q.counts['near-duplicate'],
    invalidLines: q.counts.invalid,
    emptyRecords: q.counts.empty,
    piiPerThousandChars: q.pii.perThousandChars,
    piiRecordShare: q.pii.recordShare,
    labelBalance: q.labels ? { field: q.labels.field, classes: q.labels.classes, entropyRatio: q.labels.entropyRatio, largestShare: q.labels.largestShare } : null,
    quality: q.value,
    contaminationShare: d.contamination ? d.contamination.share : null,
    contaminatedCases: d.contamination ? d.contamination.contaminated : null,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The scores of a bundle's data-audit.json, none when it has none:
 * - development.data.contamination: one row per case of the run (value 1 when NOT contaminated);
 * - development.data.quality: one aggregate row (case id `data:quality`) whose value is the quality
 *   value (share of clean records), the class counts in its reason.
 */
export function dataAuditScores(dir: string, cases: readonly Case[]): Score[] {
  const file = join(dir, DATA_AUDIT_FILE);
  if (!existsSync(file)) return [];
  const d = readJsonFile(file) as DataAuditDoc;
  if (d?.schema !== 'modelgrade.data-audit/v1' || !d.quality) throw new InputError('not a modelgrade data audit', { file });
  const out: Score[] = [];
  if (d.contamination) {
    const byId = new Map(d.contamination.perCase.map((x) => [x.caseId, x]));
    const t = d.contamination.options.threshold;
    for (const c of cases) {
      const x = byId.get(c.id);
      if (!x) continue;
      out.push({
        caseId: c.id,
        indicator: DATA_ITEMS.contamination,
        value: x.contaminated ? 0 : 1,
        pass: !x.contaminated,
        reason: `n-gram overlap with the training data ${pct(x.overlap)} (${x.found} of ${x.grams} n-grams) ${x.contaminated ? '≥' : '<'} threshold ${pct(t)}${x.contaminated ? ': contaminated' : ''}`,
      });
    }
  }
  const q = d.quality;
  const c = q.counts;
  out.push({
    caseId: 'data:quality',
    indicator: DATA_ITEMS.quality,
    value: q.value,
    pass: q.value >= 1 - 1e-12,
    reason: `${c.clean} of ${q.records} records clean; invalid ${c.invalid}, empty ${c.empty}, duplicates ${c.duplicate}, near duplicates ${c['near-duplicate']}, with PII ${c.pii}; PII ${q.pii.perThousandChars.toFixed(3)} per 1,000 characters${q.labels ? `; labels (${q.labels.field}): ${q.labels.classes} classes, entropy ratio ${q.labels.entropyRatio.toFixed(3)}, largest ${pct(q.labels.largestShare)}` : ''}`,
  });
  return out;
}

/** Human-readable lines of an audit (data-audit command). */
export function dataAuditText(d: DataAuditDoc): string {
  const f = dataAuditFigures(d);
  const q = d.quality;
  const lines = [
    `file: ${f.file} (${f.bytes} bytes, sha256 ${f.sha256})`,
    `format: ${f.format ?? 'unknown'}; records: ${f.records}`,
    `quality: ${q.value.toFixed(4)} (${q.counts.clean} clean)`,
    `exact duplicates: ${f.duplicates} (${pct(q.shares.duplicate)})`,
    `near duplicates: ${f.nearDuplicates} (${pct(q.shares['near-duplicate'])}), ${q.nearPairs} pairs`,
    `invalid: ${f.invalidLines} (${pct(q.shares.invalid)}); empty: ${f.emptyRecords} (${pct(q.shares.empty)})`,
    ...q.invalidLines.map((x) => `  line ${x.line}: ${x.reason}`),
    `PII: ${q.pii.hits} hits, ${f.piiPerThousandChars.toFixed(3)} per 1,000 characters; ${q.pii.recordsWithPii} records (${pct(f.piiRecordShare)})`,
    q.labels ? `labels (${q.labels.field}): ${q.labels.classes} classes, entropy ratio ${q.labels.entropyRatio.toFixed(3)}, largest "${q.labels.largestClass}" ${pct(q.labels.largestShare)}` : 'labels: none',
  ];
  if (d.contamination) {
    const k = d.contamination;
    lines.push(`contamination: ${k.contaminated} of ${k.cases} cases (${pct(k.share)}) at threshold ${pct(k.options.threshold)} (zh ${k.options.zhN}-char, en ${k.options.enN}-word n-grams)`);
    for (const x of k.perCase.filter((y) => y.contaminated)) lines.push(`  ${x.caseId}: ${pct(x.overlap)}`);
  }
  return lines.join('\n');
}
