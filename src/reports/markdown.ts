import type { ReportInput } from './model.ts';

/** Escapes text for a Markdown table cell (pipes, newlines, HTML). */
export function mdCell(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(1)}%`);

/** summary.md: level, validity, dimensions and indicators — fit for a CI step summary. */
export function renderMarkdown(input: ReportInput): string {
  const { scorecard: sc, lang } = input;
  const out: string[] = [];
  out.push(`# ${mdCell(sc.suite.name[lang])} — ${mdCell(sc.model.id)}`, '');
  out.push(`**Level:** ${sc.grade ?? '—'} · **Overall:** ${sc.overall === null ? '—' : sc.overall.toFixed(1)} · **Validity:** ${sc.validity.valid ? 'VALID' : 'INVALID'}`, '');
  if (!sc.validity.valid) out.push(...sc.validity.reasons.map((r) => `- ${mdCell(r)}`), '');
  if (sc.caps.length) out.push(...sc.caps.map((c) => `- cap: ${mdCell(c)}`), '');
  out.push(`Suite \`${sc.suite.id}\` ${mdCell(sc.suite.version)} (digest \`${sc.suite.digest.slice(0, 16)}…\`), profile \`${sc.profile.id}\` ${mdCell(sc.profile.version)}.`, '');
  out.push('| Dimension | Score | Level |', '|---|---:|---|');
  for (const d of sc.dimensions) out.push(`| ${mdCell(d.name[lang])} (${d.id}) | ${d.value === null ? '—' : d.value.toFixed(1)} | ${d.grade ?? (d.value === null ? mdCell(d.reason ?? '') : '—')}${d.invalid?.length ? ` — INVALID: ${mdCell(d.invalid.join('; '))}` : ''} |`);
  out.push('', '| Indicator | Score | 95% interval | n | Pass |', '|---|---:|---|---:|---|');
  for (const i of sc.indicators) {
    if (i.value === null) continue;
    out.push(`| ${mdCell(i.name[lang])} \`${i.id}\` | ${pct(i.value)} | ${i.ci ? `${pct(i.ci[0])} – ${pct(i.ci[1])}` : '—'} | ${i.n} | ${i.pass ? '✅' : '❌'} |`);
  }
  const failing = input.failing.reduce((a, g) => a + g.shown.length + g.more, 0);
  out.push('', `${sc.counts.cases} cases, ${sc.counts.errors} errors, ${failing} failing or errored.`, '');
  return out.join('\n');
}
