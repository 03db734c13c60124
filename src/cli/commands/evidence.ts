import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { readYamlFileWithLines } from '../../core/yaml.ts';
import { didYouMean } from '../../core/registry.ts';
import { checkResponses, readBundle } from '../bundle-read.ts';
import { loadAll } from '../context.ts';
import { finalizeBundle } from '../finalize.ts';
import { summaryTable } from '../summary.ts';
import { EVIDENCE_FILE, VERDICT_VALUE, type Verdict } from '../evidence-read.ts';
import { InputError, EXIT } from '../../core/errors.ts';
import { sha256, sha256File } from '../../core/hash.ts';
import { loadCatalog } from '../../suites/catalog.ts';
import { stratifiedSample } from '../../suites/sample.ts';
import { shardCases } from '../../suites/shard.ts';
import { SUITES_DIR } from '../../suites/paths.ts';
import { BUNDLE_FILES, writeAtomic } from '../../reports/bundle.ts';

type Lang = 'zh' | 'en';
type Text = { zh: string; en: string };
interface QItem {
  item: string;
  questions: { id: string; zh: string; en: string }[];
  attachments: { kind: string; required: boolean; zh: string; en: string }[];
  criteria: { met: Text; partly_met: Text; not_met: Text };
}

const QUESTIONNAIRE = join(SUITES_DIR, 'evidence', 'questionnaire.yaml');

/** The filled-in questionnaire as `evidence review` reads it: an `items` list of `{item, ...}`. */
const AnswersSchema = z.looseObject({ items: z.array(z.looseObject({ item: z.string().min(1) })) });

function questionnaire(): { items: QItem[]; kinds: Record<string, Text> } {
  const doc = YAML.parse(readFileSync(QUESTIONNAIRE, 'utf8'));
  return { items: doc.items as QItem[], kinds: doc.attachment_kinds as Record<string, Text> };
}

function lang(v: string | undefined): Lang {
  const l = v ?? 'zh';
  if (l !== 'zh' && l !== 'en') throw new InputError(`must be zh or en, got "${l}"`, { field: '--lang' });
  return l;
}

/** The catalogue's evidence items (method: evidence), in catalogue order. */
async function evidenceItems(): Promise<{ id: string; name: Text }[]> {
  const catalog = await loadCatalog();
  return [...catalog.items.values()].filter((i) => i.method === 'evidence').map((i) => ({ id: i.id, name: i.name as Text }));
}

/**
 * `modelgrade evidence init <bundle|suite> --lang zh|en [--out <file>]`: writes the questionnaire for
 * the catalogue's evidence items as a YAML file the vendor fills in (an answer per question, a path per
 * attachment, relative to the file). Default file: ./evidence-answers.<lang>.yaml; never overwritten.
 */
export async function evidenceInitCommand(target: string, o: { lang?: string; out?: string }, io: { out: (s: string) => void }): Promise<number> {
  const l = lang(o.lang);
  let about: Record<string, string>;
  if (existsSync(join(target, BUNDLE_FILES.run))) {
    const b = readBundle(target);
    about = { bundle: target, suite: `${b.suite.id} ${b.suite.version}`, model: b.model.id };
  } else {
    const { suite } = await loadAll(target);
    about = { suite: `${suite.id} ${suite.version}` };
  }
  const out = o.out ?? `evidence-answers.${l}.yaml`;
  if (existsSync(out)) throw new InputError('the file exists; refusing to overwrite it', { file: out });
  const q = questionnaire();
  const byItem = new Map(q.items.map((i) => [i.item, i]));
  const items = (await evidenceItems()).map(({ id, name }) => {
    const e = byItem.get(id);
    if (!e) throw new InputError(`no questionnaire entry for evidence item ${id}`, { file: QUESTIONNAIRE });
    return {
      item: id,
      name: name[l],
      criteria: { met: e.criteria.met[l], partly_met: e.criteria.partly_met[l], not_met: e.criteria.not_met[l] },
      questions: e.questions.map((x) => ({ id: x.id, question: x[l], answer: '' })),
      attachments: e.attachments.map((a) => ({ kind: a.kind, kind_name: q.kinds[a.kind]?.[l] ?? a.kind, required: a.required, description: a[l], path: '' })),
    };
  });
  const head = l === 'zh'
    ? '# modelgrade 证据问卷：请在每个 answer 处填写书面回答，在每个 path 处填写附件路径（相对本文件），然后交评估人员\n# 用 `modelgrade evidence review` 审核。不要修改 item、id 与 kind。\n'
    : '# modelgrade evidence questionnaire: write an answer for every `answer` and the file of every attachment in `path`\n# (relative to this file), then hand it to the assessor for `modelgrade evidence review`. Keep item, id and kind as they are.\n';
  const doc = { schema: 'modelgrade.evidence-answers/v1', lang: l, ...about, items };
  writeAtomic(out, head + YAML.stringify(doc, { lineWidth: 0 }));
  io.out(`wrote ${items.length} evidence items to ${resolve(out)}`);
  return EXIT.ok;
}

/** Parses `item=met|partly|not-met[:note],...` (a note runs to the next `,<item>=`). */
export function parseVerdicts(s: string): { item: string; verdict: Verdict; note?: string }[] {
  return s.split(/,(?=\s*[A-Za-z0-9._-]+=)/).filter((x) => x.trim()).map((part) => {
    const m = /^\s*([A-Za-z0-9._-]+)=(met|partly|not-met)(?::(.*))?$/s.exec(part);
    if (!m) throw new InputError(`each verdict is item=met|partly|not-met[:note], got "${part.trim()}"`, { field: '--verdicts' });
    return { item: m[1], verdict: m[2] as Verdict, ...(m[3]?.trim() ? { note: m[3].trim() } : {}) };
  });
}

/**
 * `modelgrade evidence review <bundle> --answers <file> --reviewer <name> --verdicts <item=met|partly|not-met[:note],...>`:
 * records the vendor's answers, the attachments (path and sha256) and the assessor's verdicts in the
 * bundle's evidence.json, then re-finalises the bundle from its responses, so the evidence items get
 * values (met 1, partly met 0.5, not met 0). Non-interactive.
 */
export async function evidenceReviewCommand(dir: string, o: { answers?: string; reviewer?: string; verdicts?: string }, io: { out: (s: string) => void }): Promise<number> {
  if (!o.answers) throw new InputError('missing --answers <file>', { field: '--answers' });
  if (!o.reviewer?.trim()) throw new InputError('missing --reviewer <name>', { field: '--reviewer' });
  if (!o.verdicts) throw new InputError('missing --verdicts <item=met|partly|not-met[:note],...>', { field: '--verdicts' });
  const b = readBundle(dir);
  await checkResponses(dir);
  if (!existsSync(o.answers)) throw new InputError('file not found', { file: o.answers });
  const raw = readFileSync(o.answers, 'utf8');
  // Syntax, encoding and shape problems name the file and line (a loose schema: the vendor fills in text).
  const { data: answers, lineOf } = await readYamlFileWithLines(o.answers, AnswersSchema, o.answers);
  const known = new Set((await evidenceItems()).map((i) => i.id));
  for (const [i, a] of answers.items.entries()) {
    if (!known.has(a.item)) throw new InputError(`"${a.item}" is not an evidence item of the catalogue${didYouMean(a.item, known) || ` (${[...known].join(', ')})`}`, { file: o.answers, line: lineOf(['items', i, 'item']), field: `items.${i}.item` });
  }
  const verdicts = parseVerdicts(o.verdicts);
  const seen = new Set<string>();
  for (const v of verdicts) {
    if (!known.has(v.item)) throw new InputError(`"${v.item}" is not an evidence item of the catalogue${didYouMean(v.item, known) || ` (${[...known].join(', ')})`}`, { field: '--verdicts' });
    if (seen.has(v.item)) throw new InputError(`"${v.item}" is given twice`, { field: '--verdicts' });
    seen.add(v.item);
  }
  const { catalog, suite, profile } = await loadAll(b.resolved.suite, b.resolved.profile ?? undefined);
  if (suite.digest !== b.suite.digest) {
    throw new InputError(`suite "${b.resolved.suite}" has digest ${suite.digest.slice(0, 12)}…, but the bundle was run on ${b.suite.digest.slice(0, 12)}…`, { file: dir });
  }
  const base = dirname(resolve(o.answers));
  const items = [];
  for (const v of verdicts) {
    const a: any = answers.items.find((x) => x.item === v.item) ?? {};
    const attachments = [];
    for (const [i, att] of (Array.isArray(a.attachments) ? a.attachments : []).entries()) {
      const p = typeof att?.path === 'string' ? att.path.trim() : '';
      if (!p) continue;
      const file = isAbsolute(p) ? p : join(base, p);
      if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`attachment not found: ${p}`, { file: o.answers, field: `${v.item}.attachments.${i}.path` });
      attachments.push({ kind: String(att.kind ?? ''), path: p, name: basename(p), bytes: statSync(file).size, sha256: await sha256File(file) });
    }
    const qa = (Array.isArray(a.questions) ? a.questions : []).map((x: any) => ({ id: String(x?.id ?? ''), answer: String(x?.answer ?? '') }));
    items.push({ item: v.item, verdict: v.verdict, value: VERDICT_VALUE[v.verdict], ...(v.note ? { note: v.note } : {}), answers: qa, attachments });
  }
  const evidence = {
    schema: 'modelgrade.evidence/v1',
    reviewer: o.reviewer.trim(),
    reviewedAt: new Date().toISOString(),
    answers: { file: basename(o.answers), sha256: sha256(raw) },
    items,
  };
  writeAtomic(join(dir, EVIDENCE_FILE), JSON.stringify(evidence, null, 2) + '\n');

  const sampled = b.resolved.sample ? stratifiedSample(suite.cases, b.resolved.sample, b.resolved.seed, suite.digest) : suite.cases;
  const cases = shardCases(sampled, suite.digest, b.resolved.shard);
  const facts = { ...b.facts, evidenceReviewedAt: evidence.reviewedAt };
  const { scorecard } = await finalizeBundle({ dir, suite, cases, catalog, profile, model: b.model, facts, lang: b.lang });
  for (const it of items) io.out(`evidence ${it.item}: ${it.verdict} (${it.value}), ${it.attachments.length} attachment${it.attachments.length === 1 ? '' : 's'}`);
  io.out(summaryTable(scorecard, b.lang));
  return scorecard.validity.valid ? EXIT.ok : EXIT.invalid;
}
