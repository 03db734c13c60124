import { readJsonFile } from '../core/jsonl.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Score } from '../core/types.ts';

/** File name of the evidence review inside a bundle. */
export const EVIDENCE_FILE = 'evidence.json';

/** An assessor's verdict on an evidence item, and its value: met 1, partly met 0.5, not met 0. */
export const VERDICT_VALUE = { met: 1, partly: 0.5, 'not-met': 0 } as const;
export type Verdict = keyof typeof VERDICT_VALUE;

/** One reviewed evidence item as recorded in evidence.json. */
export interface EvidenceRecord {
  item: string;
  verdict: Verdict;
  value: number;
  note?: string;
}

/**
 * The scores of a bundle's evidence review (evidence.json), one per reviewed item, with case id
 * `evidence:<item>`; none when the bundle has no evidence.json.
 */
export function evidenceScores(dir: string): Score[] {
  const file = join(dir, EVIDENCE_FILE);
  if (!existsSync(file)) return [];
  const doc = readJsonFile(file) as any;
  const items: EvidenceRecord[] = Array.isArray(doc?.items) ? doc.items : [];
  return items
    .filter((r) => r && typeof r.item === 'string' && r.verdict in VERDICT_VALUE)
    .map((r) => ({
      caseId: `evidence:${r.item}`,
      indicator: r.item,
      value: VERDICT_VALUE[r.verdict],
      pass: r.verdict === 'met',
      reason: `evidence reviewed by ${String(doc.reviewer ?? 'unknown')}: ${r.verdict}${r.note ? ` — ${r.note}` : ''}`,
    }));
}
