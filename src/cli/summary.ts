import type { Scorecard } from '../core/types.ts';

/** The short table printed after a run: level, validity, the five dimensions. */
export function summaryTable(sc: Scorecard, lang: 'zh' | 'en'): string {
  const lines: string[] = [];
  const pad = (s: string, n: number) => s + ' '.repeat(Math.max(1, n - [...s].length));
  lines.push(`${sc.suite.id} ${sc.suite.version} · ${sc.model.id}${sc.model.device ? ` (${sc.model.device})` : ''} · profile ${sc.profile.id}`);
  lines.push(`  ${pad('Level', 18)}${sc.grade ?? '—'}   overall ${sc.overall === null ? '—' : sc.overall.toFixed(1)}`);
  lines.push(`  ${pad('Validity', 18)}${sc.validity.valid ? 'VALID' : 'INVALID'}`);
  for (const r of sc.validity.reasons) lines.push(`    - ${r}`);
  for (const c of sc.caps) lines.push(`    cap: ${c}`);
  for (const d of sc.dimensions) {
    const v = d.value === null ? `—  (${d.reason})` : `${d.value.toFixed(1).padStart(5)}  ${d.grade ?? '—'}`;
    lines.push(`  ${pad(`${d.id}`, 18)}${v}${lang === 'zh' ? `  ${d.name.zh}` : ''}`);
  }
  lines.push(`  ${sc.counts.cases} cases, ${sc.counts.errors} errors`);
  return lines.join('\n');
}
