import { join } from 'node:path';
import { readBundle, readScorecard } from '../bundle-read.ts';
import { FORMATS, writeReports, type Format } from '../finalize.ts';
import { InputError, EXIT } from '../../core/errors.ts';
import { didYouMean } from '../../core/registry.ts';
import { readJournal } from '../../runners/journal.ts';
import { readJsonl } from '../../core/jsonl.ts';
import { loadAll } from '../context.ts';
import { reportInput } from '../../reports/model.ts';
import { BUNDLE_FILES } from '../../reports/bundle.ts';
import type { Score, Scorecard } from '../../core/types.ts';

/** `modelgrade report <bundle> --format html,json,junit,md`: regenerates reports from the bundle alone. */
export async function reportCommand(dir: string, o: { format?: string; lang?: string }, io: { out: (s: string) => void }): Promise<number> {
  const formats = (o.format ?? FORMATS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of formats) {
    if (!(FORMATS as readonly string[]).includes(f)) throw new InputError(`unknown format "${f}"${didYouMean(f, FORMATS)}`, { field: '--format' });
  }
  const b = readBundle(dir);
  const lang = (o.lang ?? b.lang) as 'zh' | 'en';
  if (lang !== 'zh' && lang !== 'en') throw new InputError(`must be zh or en`, { field: '--lang' });
  const scorecard: Scorecard = readScorecard(dir);
  const scores: Score[] = [];
  for await (const { value } of readJsonl(join(dir, BUNDLE_FILES.scores))) scores.push(value as Score);
  const responses = await readJournal(join(dir, BUNDLE_FILES.responses));
  const { suite } = await loadAll(b.resolved.suite, b.resolved.profile ?? undefined);
  const ids = new Set(responses.map((r) => r.caseId));
  const cases = suite.cases.filter((c) => ids.has(c.id));
  writeReports(dir, reportInput({ scorecard, facts: b.facts, cases, scores, responses, scenarios: suite.scenarios, lang }), formats as Format[]);
  io.out(`wrote ${formats.join(', ')} in ${dir}`);
  return EXIT.ok;
}
