import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, ROOT, TELEQNA_DIR, tempDir } from '../helpers/fixtures.ts';

const t = tempDir('mg-import-');
test.after(() => t.cleanup());
const F = join(ROOT, 'fixtures/import');
const SAMPLE = join(TELEQNA_DIR, 'TeleQnA-sample.json');

test('import teleqna: the sample becomes a suite that validates; skipped records are listed with reasons', () => {
  const out = join(t.dir, 'teleqna');
  const r = cli(['import', 'teleqna', SAMPLE, '--out', out]);
  assert.is(r.code, 0, r.stderr);
  const m = /1000 records read from .*TeleQnA-sample\.json: (\d+) taken, (\d+) skipped/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const [taken, skipped] = [Number(m![1]), Number(m![2])];
  assert.is(taken + skipped, 1000);
  assert.is((r.stdout.match(/^ {2}skipped "question \d+": .+$/gm) ?? []).length, skipped);
  assert.match(r.stdout, /scenarios: .*standards-specifications \d+/);
  assert.match(r.stdout, new RegExp(`suite teleqna 0\\.1\\.0: ${taken} cases, 5 scenarios — OK`));
  assert.ok(existsSync(join(out, 'LICENSE-data')));
  assert.equal(readdirSync(join(out, 'cases')).length, 5);
  const v = cli(['validate', out]);
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stdout, new RegExp(`${taken} cases, 5 scenarios — OK`));
  assert.match(v.stdout, /tasks: choice \d+/);
  assert.match(v.stdout, /languages: en \d+/);
  // Never overwrites.
  const again = cli(['import', 'teleqna', SAMPLE, '--out', out]);
  assert.is(again.code, 2);
  assert.match(again.stderr, /the suite folder already exists; refusing to overwrite it/);
  assert.is(again.stderr.trim().split('\n').length, 1);
});

test('import: more than 20 skipped records are summarised by reason; --id names the suite', () => {
  const data: Record<string, unknown> = {};
  for (let i = 0; i < 23; i++) data[`question ${i}`] = { question: `Q${i}?`, 'option 1': 'same', 'option 2': 'Same', answer: 'option 1: same', category: 'Lexicon' };
  for (let i = 23; i < 26; i++) data[`question ${i}`] = { question: `Q${i}?`, 'option 1': 'a', 'option 2': '', answer: 'option 1: a', category: 'Lexicon' };
  data['question 26'] = { question: 'Good?', 'option 1': 'yes', 'option 2': 'no', answer: 'option 1: yes', explanation: 'x', category: 'Lexicon' };
  const src = join(t.dir, 'skips.json');
  writeFileSync(src, JSON.stringify(data));
  const out = join(t.dir, 'skips-suite');
  const r = cli(['import', 'teleqna', src, '--out', out, '--id', 'tq-skips']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /27 records read from .*: 1 taken, 26 skipped/);
  assert.is((r.stdout.match(/^ {2}skipped /gm) ?? []).length, 20);
  assert.match(r.stdout, /^ {2}… and 6 more skipped \(3 empty option, 3 repeated option\)$/m);
  assert.match(r.stdout, /suite tq-skips 0\.1\.0: 1 cases, 1 scenarios — OK/);
});

test('import csv-mcq, lm-eval and jsonl from the hand-made fixtures: each validates', () => {
  const c = cli(['import', 'csv-mcq', join(F, 'csv'), '--out', join(t.dir, 'csv')]);
  assert.is(c.code, 0, c.stderr);
  assert.match(c.stdout, /11 records read .*: 9 taken, 2 skipped/);
  assert.match(c.stdout, /skipped network_val\.csv:10 \(id 5\): no answer given/);
  assert.match(c.stdout, /note: .*non-commercial.*do not redistribute/);
  assert.match(c.stdout, /suite csv 0\.1\.0: 9 cases, 3 scenarios — OK/);

  const l = cli(['import', 'lm-eval', join(F, 'lm-eval/arc_style.yaml'), '--out', join(t.dir, 'arc'), '--id', 'arc-mini']);
  assert.is(l.code, 0, l.stderr);
  assert.match(l.stdout, /6 records read .*: 5 taken, 1 skipped/);
  assert.match(l.stdout, /suite arc-mini 0\.1\.0: 5 cases, 1 scenarios — OK/);

  const j = cli(['import', 'jsonl', join(F, 'jsonl/quiz.jsonl'), '--out', join(t.dir, 'jsonl'), '--map', 'input=q.text,choices=options,answer=label,id=qid,scenario=topic,lang=lang']);
  assert.is(j.code, 0, j.stderr);
  assert.match(j.stdout, /6 records read .*: 4 taken, 2 skipped/);
  assert.match(j.stdout, /suite jsonl 0\.1\.0: 4 cases, 3 scenarios — OK/);
  for (const d of ['csv', 'arc', 'jsonl']) assert.is(cli(['validate', join(t.dir, d)]).code, 0, d);
});

test('import: malformed sources give exit 2 naming the record, and leave no folder behind', () => {
  const cases: [string[], RegExp][] = [
    [['teleqna', join(F, 'bad/TeleQnA-bad.json')], /TeleQnA-bad\.json: "question 17": answer "option 7" names no option/],
    [['csv-mcq', join(F, 'bad/answer-e.csv')], /answer-e\.csv:3: id 7: answer "E" names no option/],
    [['csv-mcq', join(F, 'bad/unterminated.csv')], /unterminated\.csv:3: unterminated quoted field/],
    [['lm-eval', join(F, 'lm-eval/bad_target.yaml')], /bad_target\.jsonl:2: doc_to_target 5 names no option/],
    [['lm-eval', join(F, 'lm-eval/generate.yaml')], /output_type "generate_until" is not supported/],
    [['jsonl', join(F, 'bad/bad-label.jsonl'), '--map', 'choices=options,answer=label,id=qid'], /bad-label\.jsonl:2: id b: answer "F" names no option/],
    [['jsonl', join(F, 'bad/torn.jsonl')], /torn\.jsonl:2: not valid JSON/],
    [['jsonl', join(F, 'jsonl/quiz.jsonl'), '--map', 'inptu=q'], /--map: unknown field "inptu" \(did you mean "input"\?\)/],
    [['teleqna', join(F, 'teleqna/TeleQnA-mini.json'), '--map', 'input=q'], /--map applies to the jsonl format only/],
    [['teleqna', join(F, 'no-such.json')], /no-such\.json: source not found/],
    [['telqna', join(F, 'teleqna/TeleQnA-mini.json')], /unknown import format "telqna" \(did you mean "teleqna"\?\)/],
    [['teleqna', join(F, 'teleqna/TeleQnA-mini.json'), '--id', 'bad id'], /--id "bad id"/],
  ];
  cases.forEach(([args, re], i) => {
    const out = join(t.dir, `never-${i}`);
    const r = cli(['import', ...args, '--out', out]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, re);
    assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.ok(!existsSync(out), `${args[0]} left ${out}`);
  });
  assert.ok(!readdirSync(t.dir).some((f) => f.includes('.importing-')), 'no temporary folder left');
  const noOut = cli(['import', 'teleqna', SAMPLE]);
  assert.is(noOut.code, 2);
  assert.match(noOut.stderr, /--out/);
  assert.is(cli(['import', 'teleqna', SAMPLE, '--out', join(t.dir, 'x'), '--lang', 'fr']).code, 2);
});

test('an imported suite runs: the reference model answers the TeleQnA mini suite and the bundle is written', () => {
  const suite = join(t.dir, 'mini');
  assert.is(cli(['import', 'teleqna', join(F, 'teleqna/TeleQnA-mini.json'), '--out', suite]).code, 0);
  const bundle = join(t.dir, 'mini-run');
  const r = cli(['run', '--suite', suite, '--out', bundle]);
  assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
  const lines = readFileSync(join(bundle, 'responses.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const ids = new Set(lines.map((x: { caseId: string }) => x.caseId));
  for (const id of ['teleqna-0000', 'teleqna-0001', 'teleqna-0002', 'teleqna-0003', 'teleqna-0007']) assert.ok(ids.has(id), id);
});

test.run();
