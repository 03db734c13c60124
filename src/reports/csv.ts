import type { Case, ResponseRecord, Score } from '../core/types.ts';

/** One CSV field (RFC 4180): quoted when needed; a leading =, +, -, @ is defused against spreadsheet formulas. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** scores.csv: one row per score, with the case's scenario, task and language and the call's latency. */
export function renderScoresCsv(cases: Case[], scores: Score[], responses: ResponseRecord[]): string {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const latency = new Map(responses.filter((r) => r.phase === 'main').map((r) => [r.caseId, r]));
  const rows = ['case_id,scenario,task,lang,indicator,value,pass,status,latency_ms,reason'];
  for (const s of scores) {
    const c = byId.get(s.caseId);
    const r = latency.get(s.caseId);
    rows.push(
      [s.caseId, c?.scenario, c?.task, c?.lang, s.indicator, s.value, s.pass, r?.status, r?.timing.latencyMs, s.reason].map(csvField).join(','),
    );
  }
  return rows.join('\r\n') + '\r\n';
}
