import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import YAML from 'yaml';
import { cli, ROOT, tempDir } from '../helpers/fixtures.ts';
import { parseVerdicts } from '../../src/cli/commands/evidence.ts';

const t = tempDir('mg-evidence-');
const suite = join(t.dir, 'suite-finance');
cpSync(join(ROOT, 'suites/finance'), suite, { recursive: true });
const bundle = join(t.dir, 'bundle');
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const ITEMS = ['development.training.process', 'development.training.hyperparameters', 'application.management.monitoring'];

test.before(() => {
  const r = cli(['run', '--suite', suite, '--profile', 'ci', '--sample', '80', '--out', bundle]);
  if (r.code !== 0 && r.code !== 3) throw new Error(`run failed (${r.code}): ${r.stderr}`);
});
test.after(() => t.cleanup());

test('parseVerdicts: items, verdicts and notes (a note may hold commas)', () => {
  assert.equal(parseVerdicts('a.b=met,c.d=partly:no versions, no history,e=not-met'), [
    { item: 'a.b', verdict: 'met' },
    { item: 'c.d', verdict: 'partly', note: 'no versions, no history' },
    { item: 'e', verdict: 'not-met' },
  ]);
  assert.throws(() => parseVerdicts('a=good'), /--verdicts/);
});

test('evidence init writes the questionnaire of every evidence item, from a bundle or a suite', () => {
  const en = join(t.dir, 'answers.en.yaml');
  const r = cli(['evidence', 'init', bundle, '--lang', 'en', '--out', en]);
  assert.is(r.code, 0, r.stderr);
  const doc = YAML.parse(readFileSync(en, 'utf8'));
  assert.is(doc.schema, 'modelgrade.evidence-answers/v1');
  assert.equal(doc.items.map((i: { item: string }) => i.item), ITEMS);
  for (const i of doc.items) {
    assert.ok(i.questions.length > 0 && i.questions.every((q: { question: string; answer: string }) => /[A-Za-z]/.test(q.question) && q.answer === ''));
    assert.ok(i.attachments.some((a: { required: boolean; path: string }) => a.required && a.path === ''));
    assert.ok(i.criteria.met && i.criteria.partly_met && i.criteria.not_met);
  }
  const zh = join(t.dir, 'answers.zh.yaml');
  assert.is(cli(['evidence', 'init', 'finance', '--lang', 'zh', '--out', zh]).code, 0);
  assert.match(readFileSync(zh, 'utf8'), /训练数据来自哪些来源/);
  assert.is(cli(['evidence', 'init', 'finance', '--out', zh]).code, 2, 'an existing file is never overwritten');
});

test('evidence review records answers, attachments by sha256 and verdicts, and grades the items (1, 0.5, 0)', () => {
  const file = join(t.dir, 'answers.en.yaml');
  const doc = YAML.parse(readFileSync(file, 'utf8'));
  writeFileSync(join(t.dir, 'training.md'), '# Training process\nStages: pre-training, SFT.\n');
  doc.items[0].questions[0].answer = 'Licensed news corpora and in-house records.';
  doc.items[0].attachments[0].path = 'training.md';
  writeFileSync(file, YAML.stringify(doc));
  const r = cli(['evidence', 'review', bundle, '--answers', file, '--reviewer', 'A. Assessor',
    '--verdicts', `${ITEMS[0]}=met,${ITEMS[1]}=partly:records not versioned,${ITEMS[2]}=not-met`]);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  const ev = json(join(bundle, 'evidence.json'));
  assert.is(ev.reviewer, 'A. Assessor');
  assert.is(ev.items[0].attachments[0].sha256, createHash('sha256').update(readFileSync(join(t.dir, 'training.md'))).digest('hex'));
  assert.is(ev.items[0].answers[0].answer, 'Licensed news corpora and in-house records.');
  assert.is(ev.items[1].note, 'records not versioned');
  const sc = json(join(bundle, 'scorecard.json'));
  const v = (id: string) => sc.indicators.find((i: { id: string }) => i.id === id);
  assert.equal(ITEMS.map((id) => v(id).value), [1, 0.5, 0]);
  assert.is(v(ITEMS[0]).n, 1);
  const m = json(join(bundle, 'manifest.json'));
  assert.ok(m.subject.some((s: { name: string }) => s.name === 'evidence.json'), 'evidence.json is in the manifest');
  const verify = cli(['verify', bundle]);
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
  const before = readFileSync(join(bundle, 'scorecard.json'), 'utf8');
  const re = cli(['rescore', bundle]);
  assert.ok(re.code === 0 || re.code === 3, re.stderr);
  assert.is(readFileSync(join(bundle, 'scorecard.json'), 'utf8'), before, 'rescore keeps the evidence values');
});

test('evidence review refuses bad input: exit 2', () => {
  const file = join(t.dir, 'answers.en.yaml');
  const base = ['evidence', 'review', bundle, '--answers', file, '--reviewer', 'A'];
  let r = cli([...base, '--verdicts', 'capability.performance.knowledge=met']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /not an evidence item/);
  assert.is(cli([...base, '--verdicts', `${ITEMS[0]}=good`]).code, 2);
  const doc = YAML.parse(readFileSync(file, 'utf8'));
  doc.items[0].attachments[0].path = 'missing.pdf';
  const bad = join(t.dir, 'bad.yaml');
  writeFileSync(bad, YAML.stringify(doc));
  r = cli(['evidence', 'review', bundle, '--answers', bad, '--reviewer', 'A', '--verdicts', `${ITEMS[0]}=met`]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /attachment not found: missing\.pdf/);
  assert.ok(existsSync(join(bundle, 'evidence.json')));
});

test.run();
