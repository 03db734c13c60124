import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importers, writeSuite, parseMap, MAP_FIELDS, type ImportOptions, type ImportResult } from '../../src/suites/importers/index.ts';
import { parseCsv, csvObjects } from '../../src/suites/importers/csv.ts';
import { slugify } from '../../src/suites/importers/common.ts';
import { loadSuite, type SuiteCheckers } from '../../src/suites/load.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { promptRenderer } from '../../src/suites/prompt.ts';
import { taskChecker } from '../../src/metrics/index.ts';
import { InputError } from '../../src/core/errors.ts';
import { ROOT, TELEQNA_DIR, tempDir } from '../helpers/fixtures.ts';

const catalog = await loadCatalog();
const checkers: SuiteCheckers = { indicators: new Set(catalog.items.keys()), tasks: taskChecker };
const F = join(ROOT, 'fixtures/import');
const SAMPLE_DIR = TELEQNA_DIR;
const SAMPLE = join(SAMPLE_DIR, 'TeleQnA-sample.json');
const t = tempDir('mg-imp-');
test.after(() => t.cleanup());

const run = (format: string, source: string, o: Partial<ImportOptions> = {}) => importers.get(format).run({ source, id: o.id ?? 'imp', ...o });

async function importError(format: string, source: string, o: Partial<ImportOptions> = {}): Promise<string> {
  try {
    await run(format, source, o);
  } catch (e) {
    assert.instance(e, InputError, `not an InputError: ${String(e)}`);
    return (e as Error).message;
  }
  throw new Error(`${source} imported without error`);
}

/** Writes the result and loads it with the real loader (what `modelgrade validate` does). */
async function writeAndLoad(r: ImportResult, name: string) {
  const out = join(t.dir, name);
  writeSuite(out, r);
  return { out, suite: await loadSuite(out, checkers) };
}

// ---------- TeleQnA ----------

test('teleqna: the 1,000-question sample imports; taken + skipped = 1000; categories become scenarios', async () => {
  const r = await run('teleqna', SAMPLE, { id: 'teleqna' });
  assert.is(r.read, 1000);
  assert.is(r.cases.length + r.skipped.length, 1000);
  assert.ok(r.cases.length >= 990, `${r.cases.length} taken`);
  for (const s of r.skipped) assert.match(s.record, /^"question \d+"$/);
  // Option counts: the sample has 3-, 4- and 5-option questions; each keeps its own count.
  const counts = new Set(r.cases.map((c) => c.choices!.length));
  for (const n of [3, 4, 5]) assert.ok(counts.has(n), `no ${n}-option case`);
  const raw = JSON.parse(readFileSync(SAMPLE, 'utf8')) as Record<string, Record<string, string>>;
  for (const c of r.cases) {
    const key = c.source.replace(/^TeleQnA \(MIT\) /, '');
    const q = raw[key];
    assert.ok(q, c.source);
    const n = Object.keys(q).filter((k) => /^option \d+$/.test(k)).length;
    assert.is(c.choices!.length, n, c.id);
    assert.is(c.choices![c.answer!], q[`option ${/^option (\d+)/.exec(q.answer)![1]}`].trim(), c.id);
    assert.is(c.task, 'choice');
    assert.is(c.indicator, 'capability.performance.knowledge');
    assert.is(c.lang, 'en');
    if (q.explanation?.trim()) assert.is(c.ref, q.explanation.trim());
  }
  const cats = [...new Set(Object.values(raw).map((q) => q.category))].sort();
  assert.equal(r.suite.scenarios.map((s) => s.name.en).sort(), cats);
  assert.equal(r.suite.scenarios.map((s) => s.id).sort(), cats.map((c) => slugify(c)).sort());
  assert.ok(r.suite.scenarios.every((s) => /^[a-z0-9-]+$/.test(s.id)));
  assert.is(r.suite.industry, 'telecom');
  assert.match(r.suite.description!.en, /TeleQnA/);
  assert.equal(Object.keys(r.suite.prompts), ['choice']);

  const { out, suite } = await writeAndLoad(r, 'teleqna');
  assert.is(suite.cases.length, r.cases.length);
  assert.is(suite.scenarios.length, cats.length);
  assert.is(readFileSync(join(out, 'LICENSE-data'), 'utf8'), readFileSync(join(SAMPLE_DIR, 'LICENSE'), 'utf8'));
  assert.match(readFileSync(join(out, 'suite.yaml'), 'utf8'), /^# .*TeleQnA/m);
  assert.equal(readdirSync(join(out, 'cases')).sort(), suite.scenarios.map((s) => `${s.id}.jsonl`).sort());
  // The prompt lists every option with its letter.
  const five = suite.cases.find((c) => c.choices!.length === 5)!;
  const text = promptRenderer(suite)(five);
  assert.ok(text.includes(five.input) && text.includes(`E. ${five.choices![4]}`) && text.endsWith('Answer:'), text);
});

test('teleqna: 2- to 5-option questions; repeated or empty options and a disagreeing answer text are skipped with reasons', async () => {
  const r = await run('teleqna', join(F, 'teleqna/TeleQnA-mini.json'));
  assert.is(r.read, 8);
  assert.equal(r.cases.map((c) => c.id), ['imp-0000', 'imp-0001', 'imp-0002', 'imp-0003', 'imp-0007'].map((id) => id.replace('imp', 'teleqna')));
  assert.equal(r.cases.map((c) => c.choices!.length), [2, 3, 4, 5, 3]);
  assert.equal(r.cases.map((c) => c.answer), [0, 2, 0, 3, 1]);
  assert.is(r.cases[0].ref, 'TDD alternates uplink and downlink in time on the same carrier.');
  assert.is(r.cases[2].input, 'What does the acronym QoS stand for?');
  assert.is(r.cases[2].ref, undefined, 'an empty explanation gives no ref');
  assert.equal(r.skipped.map((s) => [s.record, s.kind]), [
    ['"question 4"', 'repeated option'],
    ['"question 5"', 'empty option'],
    ['"question 6"', 'answer text differs'],
  ]);
  assert.match(r.skipped[0].reason, /options B and C read the same/);
  assert.equal(r.suite.scenarios.map((s) => [s.id, s.name.en, s.name.zh]), [
    ['lexicon', 'Lexicon', '电信术语'],
    ['standards-overview', 'Standards overview', '标准概述'],
    ['research-overview', 'Research overview', '研究综述'],
    ['standards-specifications', 'Standards specifications', '标准规范'],
  ]);
  // No LICENSE next to the fixture: TeleQnA's MIT licence is written all the same.
  assert.match(r.license!.text, /MIT License[\s\S]*Netop-team/);
  assert.ok(r.notes.some((n) => /LICENSE/.test(n)));
  const { suite } = await writeAndLoad(r, 'tq-mini');
  assert.is(suite.cases.length, 5);
});

test('teleqna: malformed sources are refused naming the record', async () => {
  assert.match(await importError('teleqna', join(F, 'bad/TeleQnA-bad.json')), /TeleQnA-bad\.json: "question 17": answer "option 7" names no option$/);
  assert.match(await importError('teleqna', join(F, 'bad/TeleQnA-answer-form.json')), /"question 0": answer "the first one" is not "option K: <text>"/);
  assert.match(await importError('teleqna', join(F, 'bad/TeleQnA-truncated.json')), /TeleQnA-truncated\.json: not valid JSON/);
  const f = join(t.dir, 'gap.json');
  writeFileSync(f, JSON.stringify({ 'question 3': { question: 'q', 'option 1': 'a', 'option 3': 'c', answer: 'option 1: a', category: 'x' } }));
  assert.match(await importError('teleqna', f), /"question 3": options must be numbered from 1 without gaps \("option 2" is missing\)/);
  writeFileSync(f, JSON.stringify({ 'question 3': { question: 'q', 'option 1': 'a', answer: 'option 1: a' } }));
  assert.match(await importError('teleqna', f), /"question 3": 1 option\(s\)/);
  writeFileSync(f, JSON.stringify([1, 2]));
  assert.match(await importError('teleqna', f), /expected a JSON object whose keys are "question N"/);
});

// ---------- CSV ----------

test('csv: RFC 4180 — BOM, CRLF, quoted commas, doubled quotes, line breaks in quotes, empty fields, no final newline', () => {
  const text = '\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\r\nlines",\r\n\r\n3,,"z"';
  assert.equal(parseCsv(text, 'f.csv'), [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
    { line: 3, fields: ['2', 'two\nlines', ''] },
    { line: 6, fields: ['3', '', 'z'] },
  ]);
  assert.equal(parseCsv('a\nb\n', 'f'), [{ line: 1, fields: ['a'] }, { line: 2, fields: ['b'] }]);
  assert.equal(parseCsv('a,\r', 'f'), [{ line: 1, fields: ['a', ''] }]);
  assert.equal(csvObjects('k,v\n1,"a,b"\n', 'f'), [{ line: 2, doc: { k: '1', v: 'a,b' } }]);
  assert.throws(() => parseCsv('a,b\n1,"open\n2,3\n', 'f.csv'), (e: Error) => e instanceof InputError && /f\.csv:2: unterminated quoted field/.test(e.message));
  assert.throws(() => parseCsv('a,b\n"x"y,1\n', 'f.csv'), (e: Error) => e instanceof InputError && /f\.csv:2: unexpected "y" after a closing quote/.test(e.message));
  assert.throws(() => csvObjects('a,b\n1\n', 'f.csv'), /f\.csv:2: 1 fields; the header has 2/);
});

test('csv-mcq: a folder of C-Eval / CMMLU files — with and without id column, with BOM, quoted commas and line breaks', async () => {
  const r = await run('csv-mcq', join(F, 'csv'), { id: 'quiz' });
  assert.is(r.read, 11);
  assert.is(r.cases.length, 9);
  assert.equal(r.skipped.map((s) => [s.record, s.kind]), [
    ['network_val.csv:9 (id 4)', 'repeated option'],
    ['network_val.csv:10 (id 5)', 'no answer'],
  ]);
  assert.equal(r.suite.scenarios.map((s) => s.id), ['accounting', 'network', 'physics']);
  const by = new Map(r.cases.map((c) => [c.id, c]));
  // accounting.csv: no id column, no BOM, no final newline; answers upper or lower case.
  assert.equal([...by.keys()].filter((k) => k.startsWith('quiz-accounting-')), ['quiz-accounting-0001', 'quiz-accounting-0002', 'quiz-accounting-0003']);
  assert.is(by.get('quiz-accounting-0002')!.input, '复式记账法中，"有借必有贷"的下一句是？');
  assert.is(by.get('quiz-accounting-0003')!.answer, 0);
  // network_val.csv: BOM, CRLF, id column, explanation → ref, a question spanning lines.
  const q3 = by.get('quiz-network-3')!;
  assert.is(q3.input, '请阅读下列配置，然后回答：\ninterface eth0\n  mtu 1500\n该接口的MTU是多少字节？');
  assert.equal(q3.choices, ['1,500', '1,400', '576', '9000']);
  assert.is(q3.ref, '配置中写明mtu 1500，即1,500字节。');
  assert.is(q3.source, 'imported from network_val.csv id 3');
  assert.is(by.get('quiz-network-0')!.ref, 'IP负责分组的寻址与路由，属于网络层。');
  // physics_test.csv: CMMLU's unnamed index column; quoted numbers with commas.
  assert.equal(by.get('quiz-physics-0')!.choices, ['30,000', '300,000', '3,000,000', '3,000']);
  assert.ok(r.cases.every((c) => c.lang === 'zh'));
  assert.ok(r.notes.some((n) => /non-commercial/.test(n) && /do not redistribute/.test(n)));
  const { suite } = await writeAndLoad(r, 'csv');
  assert.is(suite.cases.length, 9);
  assert.match(promptRenderer(suite)(suite.cases[0]), /^以下是一道单项选择题[\s\S]*A\. 二\nB\. 三[\s\S]*答案：$/);
});

test('csv-mcq: one file; --lang en; malformed files are refused naming file, line and id', async () => {
  const r = await run('csv-mcq', join(F, 'csv/physics_test.csv'), { lang: 'en' });
  assert.is(r.cases.length, 2);
  assert.ok(r.cases.every((c) => c.lang === 'en' && c.scenario === 'physics'));
  assert.match(await importError('csv-mcq', join(F, 'bad/answer-e.csv')), /answer-e\.csv:3: id 7: answer "E" names no option \(A, B, C, D\)/);
  assert.match(await importError('csv-mcq', join(F, 'bad/unterminated.csv')), /unterminated\.csv:3: unterminated quoted field/);
  assert.match(await importError('csv-mcq', join(F, 'bad/short-row.csv')), /short-row\.csv:3: id 1: 5 fields; the header has 7/);
  const multi = join(t.dir, 'multi.csv');
  writeFileSync(multi, 'question,A,B,C,D,answer\nq1,a,b,c,d,AC\nq2,a,b,c,d, b \n');
  const m = await run('csv-mcq', multi);
  assert.equal(m.skipped.map((s) => [s.record, s.kind]), [['multi.csv:2', 'several answers']]);
  assert.equal(m.cases.map((c) => c.answer), [1]);
  const f = join(t.dir, 'nohead.csv');
  writeFileSync(f, '1,q,a,b,c,d,A\n');
  assert.match(await importError('csv-mcq', f), /nohead\.csv:1: the header row must name the columns/);
});

// ---------- lm-eval ----------

test('lm-eval: ARC-style task — include, data_files by split, {{choices.text}}, .index(), trim, upper, [0]', async () => {
  const r = await run('lm-eval', join(F, 'lm-eval/arc_style.yaml'), { id: 'arc' });
  assert.is(r.read, 6, 'the test split only, blank line skipped');
  assert.equal(r.cases.map((c) => c.answer), [2, 1, 1, 1, 0]);
  assert.is(r.cases[0].input, '[OSI] Question: Which layer of the OSI model routes packets between networks?');
  assert.equal(r.cases[0].choices, ['Physical', 'Data link', 'Network', 'Session']);
  assert.is(r.cases[2].answer, 1, 'answerKey "2" found among labels ["1","2","3"]');
  assert.equal(r.skipped.map((s) => [s.record, s.kind]), [['arc_test.jsonl:5', 'repeated option']]);
  assert.equal(r.suite.scenarios.map((s) => s.id), ['mini-arc-network']);
  assert.ok(r.notes.some((n) => /dropped the trailing answer cue/.test(n)));
  const { suite } = await writeAndLoad(r, 'arc');
  const p = promptRenderer(suite)(suite.cases[1]);
  assert.is(p, '[DNS] Question: Which record type maps a host name to an IPv4 address?\nA. MX\nB. A\nC. CNAME\nD. TXT\nAnswer:');
});

test('lm-eval: MMLU-style task over CSV — description, list literal choices, a letter target field', async () => {
  const r = await run('lm-eval', join(F, 'lm-eval/mmlu_style.yaml'), { id: 'mmlu' });
  assert.is(r.cases.length, 4);
  assert.equal(r.cases.map((c) => c.answer), [0, 0, 0, 1]);
  assert.equal(r.cases[0].choices, ['A', 'B', 'C', 'D']);
  assert.is(
    r.cases[0].input,
    'The following are multiple choice questions (with answers) about telecom.\n\nWhat does the "S" in SMS stand for?\nA. Short\nB. Secure\nC. Signal\nD. Standard\nAnswer:',
  );
  assert.equal(r.suite.prompts, { choice: { zh: '{{input}}', en: '{{input}}' } }, 'doc_to_text already lists the options');
  const { suite } = await writeAndLoad(r, 'mmlu');
  assert.is(promptRenderer(suite)(suite.cases[0]), r.cases[0].input);
});

test('lm-eval: a local data folder, join filter, nested fields, field-name choices, an index target; zh', async () => {
  const r = await run('lm-eval', join(F, 'lm-eval/fields_style.yaml'), { id: 'fields', lang: 'zh' });
  assert.equal(r.cases.map((c) => [c.input, c.answer, c.lang]), [
    ['频谱: 5G NR 的 FR2 频段属于哪一类？ (options: 毫米波, 中波, 长波)', 0, 'zh'],
    ['协议: HTTP/3 基于哪种传输协议？ (options: TCP, QUIC, SCTP, UDP-Lite)', 1, 'zh'],
  ]);
  const { suite } = await writeAndLoad(r, 'fields');
  assert.match(promptRenderer(suite)(suite.cases[0]), /\nA\. 毫米波\nB\. 中波\nC\. 长波\n答案：$/);
});

test('lm-eval: unsupported or malformed tasks are refused naming the field or the record', async () => {
  const L = join(F, 'lm-eval');
  assert.match(await importError('lm-eval', join(L, 'bad_target.yaml')), /bad_target\.jsonl:2: doc_to_target 5 names no option \(2 choices\)/);
  assert.match(await importError('lm-eval', join(L, 'bad_label.yaml')), /bad_label\.jsonl:2: doc_to_target names no option \("Z" is not in \["A","B"\]\)/);
  assert.match(await importError('lm-eval', join(L, 'generate.yaml')), /field "output_type": output_type "generate_until" is not supported/);
  assert.match(await importError('lm-eval', join(L, 'python_fn.yaml')), /field "doc_to_text": doc_to_text is Python code \(!function utils\.doc_to_text\)/);
  assert.match(await importError('lm-eval', join(L, 'hub.yaml')), /dataset_path "cais\/mmlu" is not a local file or folder/);
  const y = join(t.dir, 'broken.yaml');
  writeFileSync(y, 'output_type: multiple_choice\ndataset_path: json\ndataset_kwargs: {data_files: nowhere.jsonl}\ndoc_to_text: "{{ question "\ndoc_to_choice: "{{c}}"\ndoc_to_target: 0\n');
  assert.match(await importError('lm-eval', y), /broken\.yaml field "doc_to_text": doc_to_text: not a template this importer can read/);
});

// ---------- JSONL ----------

test('jsonl: a field mapping — nested path, index / letter / digit answers, scenario and language fields', async () => {
  const map = parseMap('input=q.text,choices=options,answer=label,id=qid,scenario=topic,lang=lang', MAP_FIELDS);
  const r = await run('jsonl', join(F, 'jsonl/quiz.jsonl'), { id: 'quiz', map });
  assert.is(r.read, 6);
  assert.equal(r.cases.map((c) => [c.id, c.answer, c.lang]), [
    ['quiz-q-001', 0, 'en'],
    ['quiz-q-002', 1, 'en'],
    ['quiz-q-003', 1, 'en'],
    ['quiz-q-006', 1, 'zh'],
  ]);
  assert.equal(r.skipped.map((s) => [s.record, s.kind]), [
    ['quiz.jsonl:4 (id q-004)', 'no choices'],
    ['quiz.jsonl:5 (id q-005)', 'repeated option'],
  ]);
  assert.equal(r.suite.scenarios.map((s) => s.name.en), ['Radio basics', 'Networks', '网络']);
  assert.ok(r.suite.scenarios.every((s) => /^[a-z0-9-]+$/.test(s.id)));
  const { suite } = await writeAndLoad(r, 'jsonl');
  assert.is(suite.cases.length, 4);
  // Choices joined from several fields; ARC-style {text, label} choices.
  const f = join(t.dir, 'multi.jsonl');
  writeFileSync(f, [
    JSON.stringify({ question: 'q1', opa: 'x', opb: 'y', opc: 'z', cop: 2 }),
    JSON.stringify({ question: 'q2', opa: 'x', opb: 'y', opc: 'w', cop: 'A' }),
  ].join('\n'));
  const m = await run('jsonl', f, { map: parseMap('choices=opa+opb+opc,answer=cop', MAP_FIELDS) });
  assert.equal(m.cases.map((c) => [c.choices, c.answer]), [[['x', 'y', 'z'], 2], [['x', 'y', 'w'], 0]]);
  const g = join(t.dir, 'arc.jsonl');
  writeFileSync(g, JSON.stringify({ question: 'q', choices: { text: ['a', 'b', 'c'], label: ['1', '2', '3'] }, answerKey: '3' }) + '\n');
  const a = await run('jsonl', g, { map: parseMap('answer=answerKey', MAP_FIELDS) });
  assert.equal([a.cases[0].choices, a.cases[0].answer], [['a', 'b', 'c'], 2]);
});

test('jsonl: bad lines and answers naming no option are refused; a bad --map is refused', async () => {
  const map = parseMap('choices=options,answer=label,id=qid', MAP_FIELDS);
  assert.match(await importError('jsonl', join(F, 'bad/bad-label.jsonl'), { map }), /bad-label\.jsonl:2: id b: answer "F" names no option/);
  assert.match(await importError('jsonl', join(F, 'bad/torn.jsonl'), { map }), /torn\.jsonl:2: not valid JSON/);
  assert.match(await importError('jsonl', join(F, 'jsonl/quiz.jsonl')), /none of 6 records could be imported \(quiz\.jsonl:1: no field "question"/);
  assert.throws(() => parseMap('inputt=q', MAP_FIELDS), /unknown field "inputt" \(did you mean "input"\?\)/);
  assert.throws(() => parseMap('input', MAP_FIELDS), /"input" is not field=path/);
  assert.throws(() => parseMap('input=a,input=b', MAP_FIELDS), /mapped twice/);
});

// ---------- registry and writing ----------

test('formats: the registry lists four and suggests a near name for an unknown one', () => {
  assert.equal(importers.names(), ['csv-mcq', 'jsonl', 'lm-eval', 'teleqna']);
  assert.throws(() => importers.get('teleqa'), (e: Error) => e instanceof InputError && /unknown import format "teleqa" \(did you mean "teleqna"\?\)/.test(e.message));
  assert.throws(() => importers.get('lmeval'), /did you mean "lm-eval"/);
});

test('writeSuite: refuses an existing suite folder; accepts an empty one', async () => {
  const r = await run('teleqna', join(F, 'teleqna/TeleQnA-mini.json'));
  const out = join(t.dir, 'again');
  writeSuite(out, r);
  assert.throws(() => writeSuite(out, r), /the suite folder already exists; refusing to overwrite it/);
  const empty = join(t.dir, 'empty');
  mkdirSync(empty);
  writeSuite(empty, r);
  assert.ok(existsSync(join(empty, 'suite.yaml')));
  assert.ok(!readdirSync(t.dir).some((f) => f.includes('.importing-')), 'no temporary folder left');
});

test.run();
