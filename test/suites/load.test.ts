import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite, resolveSuiteDir, builtinSuites, type SuiteCheckers } from '../../src/suites/load.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { taskChecker } from '../../src/metrics/index.ts';
import { InputError } from '../../src/core/errors.ts';
import { SUITES_DIR, PACKAGE_ROOT } from '../../src/suites/paths.ts';

const catalog = await loadCatalog();
const checkers: SuiteCheckers = { indicators: new Set(catalog.items.keys()), tasks: taskChecker };
const BAD = join(PACKAGE_ROOT, 'fixtures', 'bad-suites');

const tmp = mkdtempSync(join(tmpdir(), 'mg-suite-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

async function loadError(dir: string): Promise<InputError> {
  try {
    await loadSuite(dir, checkers);
  } catch (e) {
    assert.instance(e, InputError, `not an InputError: ${String(e)}`);
    return e as InputError;
  }
  throw new Error(`${dir} loaded without error`);
}

// ---------- the built-in finance suite ----------

test('the built-in finance suite loads: ≥ 300 cases, 9 scenarios, zh and en', async () => {
  const s = await loadSuite('finance', checkers);
  assert.is(s.id, 'finance');
  assert.is(s.industry, 'finance');
  assert.ok(s.cases.length >= 60, String(s.cases.length));
  assert.is(s.scenarios.length, 9);
  assert.equal(new Set(s.cases.map((c) => c.lang)), new Set(['zh', 'en']));
  assert.match(s.digest, /^[0-9a-f]{64}$/);
  const scenarioIds = new Set(s.scenarios.map((x) => x.id));
  for (const c of s.cases) {
    assert.ok(scenarioIds.has(c.scenario), c.id);
    assert.ok(checkers.indicators.has(c.indicator), c.id);
    assert.is(taskChecker.check(c), undefined, c.id);
    assert.ok(s.prompts[c.task], c.id);
  }
  for (const sc of s.scenarios) assert.ok(s.cases.some((c) => c.scenario === sc.id), `scenario ${sc.id} has no case`);
  assert.is(new Set(s.cases.map((c) => c.id)).size, s.cases.length, 'case ids are unique');
  assert.ok(builtinSuites().includes('finance'));
  assert.is(resolveSuiteDir('finance'), join(SUITES_DIR, 'finance'));
});

test('the digest: same content, same digest, wherever the folder is', async () => {
  const a = await loadSuite('finance', checkers);
  const b = await loadSuite(join(SUITES_DIR, 'finance'), checkers);
  assert.is(a.digest, b.digest);
  const copy = join(tmp, 'copy');
  cpSync(join(SUITES_DIR, 'finance'), copy, { recursive: true });
  const c = await loadSuite(copy, checkers);
  assert.is(c.digest, a.digest);
  assert.is(c.cases.length, a.cases.length);
  // Comments and key order in suite.yaml are not content.
  const y = join(copy, 'suite.yaml');
  writeFileSync(y, `# an extra comment\n${readFileSync(y, 'utf8')}\n# another\n`);
  assert.is((await loadSuite(copy, checkers)).digest, a.digest);
});

test('the digest: editing one case (or the suite file) changes it', async () => {
  const base = (await loadSuite('finance', checkers)).digest;
  const dir = join(tmp, 'edited');
  cpSync(join(SUITES_DIR, 'finance'), dir, { recursive: true });
  const f = join(dir, 'cases', 'customer-service.jsonl');
  const lines = readFileSync(f, 'utf8').split('\n');
  const c = JSON.parse(lines[4]);
  c.input = `${c.input} `;
  lines[4] = JSON.stringify(c);
  writeFileSync(f, lines.join('\n'));
  const edited = (await loadSuite(dir, checkers)).digest;
  assert.is.not(edited, base);
  // Moving a case to another place in the same file changes the order, so the digest too.
  const [first, second, ...rest] = readFileSync(f, 'utf8').split('\n');
  writeFileSync(f, [second, first, ...rest].join('\n'));
  const reordered = (await loadSuite(dir, checkers)).digest;
  assert.is.not(reordered, edited);
  // A changed threshold in suite.yaml changes it.
  const dir2 = join(tmp, 'threshold');
  cpSync(join(SUITES_DIR, 'finance'), dir2, { recursive: true });
  const y = join(dir2, 'suite.yaml');
  writeFileSync(y, readFileSync(y, 'utf8').replace('threshold: 0.9', 'threshold: 0.8'));
  assert.is.not((await loadSuite(dir2, checkers)).digest, base);
});

test('a loaded case keeps its fields; key order in a case line does not matter to the digest', async () => {
  const dir = join(tmp, 'keyorder');
  mkdirSync(join(dir, 'cases'), { recursive: true });
  cpSync(join(BAD, 'path-escape', 'suite.yaml'), join(dir, 'suite.yaml'));
  const yaml = readFileSync(join(dir, 'suite.yaml'), 'utf8').replace(/cases:\n[\s\S]*$/, '');
  writeFileSync(join(dir, 'suite.yaml'), yaml);
  const c = { id: 'k-1', scenario: 'customer-service', indicator: 'capability.performance.knowledge', lang: 'zh', task: 'choice', input: '问', choices: ['甲', '乙'], answer: 0, source: 'test' };
  writeFileSync(join(dir, 'cases', 'a.jsonl'), JSON.stringify(c) + '\n');
  const a = await loadSuite(dir, checkers);
  assert.equal(a.cases, [c]);
  const reversed = Object.fromEntries(Object.entries(c).reverse());
  writeFileSync(join(dir, 'cases', 'a.jsonl'), JSON.stringify(reversed) + '\n');
  assert.is((await loadSuite(dir, checkers)).digest, a.digest);
});

// ---------- malformed suites: each names the file and the line ----------

const expectations: [name: string, file: RegExp, line: number | null, field: string | null, message: RegExp][] = [
  ['malformed-yaml', /malformed-yaml\/suite\.yaml$/, 9, null, /malformed YAML \(Sequence item without - indicator\)/],
  ['yaml-duplicate-key', /yaml-duplicate-key\/suite\.yaml$/, 5, null, /malformed YAML \(Map keys must be unique\)/],
  ['suite-unknown-field', /suite-unknown-field\/suite\.yaml$/, 9, 'scenarios.0', /unknown field "treshold"/],
  ['duplicate-scenario', /duplicate-scenario\/suite\.yaml$/, 10, 'scenarios.1.id', /scenario ids must be unique \("customer-service" repeats\)/],
  ['bad-json-line', /bad-json-line\/cases\/cases\.jsonl$/, 3, null, /not valid JSON/],
  ['duplicate-id', /duplicate-id\/cases\/b\.jsonl$/, 2, 'id', /duplicate case id "bad-0002" \(first at \S*duplicate-id\/cases\/a\.jsonl:2\)/],
  ['unknown-task', /unknown-task\/cases\/cases\.jsonl$/, 2, 'task', /unknown task "choise" \(did you mean "choice"\?\)/],
  ['unknown-scenario', /unknown-scenario\/cases\/cases\.jsonl$/, 2, 'scenario', /unknown scenario "customer-servise" \(did you mean "customer-service"\?\)/],
  ['unknown-indicator', /unknown-indicator\/cases\/cases\.jsonl$/, 2, 'indicator', /unknown indicator "capability\.performance\.knowlege" \(did you mean "capability\.performance\.knowledge"/],
  ['answer-out-of-range', /answer-out-of-range\/cases\/cases\.jsonl$/, 3, 'answer', /answer index 4 is out of range \(0\.\.3\)/],
  ['missing-field', /missing-field\/cases\/cases\.jsonl$/, 2, 'source', /expected string, received undefined/],
  ['extra-field', /extra-field\/cases\/cases\.jsonl$/, 2, null, /unknown field "difficulty"/],
  ['exact-no-expected', /exact-no-expected\/cases\/cases\.jsonl$/, 2, 'expected', /an exact case needs "expected"/],
  ['no-prompt', /no-prompt\/cases\/cases\.jsonl$/, 2, 'task', /no prompt template for task "refusal"/],
  ['path-escape', /path-escape\/suite\.yaml$/, 19, 'cases.1', /path "\.\.\/x\.jsonl" leaves the suite folder/],
  // No line to name: the case files exist but hold no case.
  ['no-cases', /no-cases\/suite\.yaml$/, null, null, /the suite has no cases/],
];

for (const [name, file, line, field, message] of expectations) {
  test(`bad suite "${name}": InputError naming ${line ? 'file and line' : 'the file'}${field ? ` and field "${field}"` : ''}`, async () => {
    const e = await loadError(join(BAD, name));
    assert.match(e.loc.file ?? '', file);
    assert.is(e.loc.line ?? null, line);
    assert.is(e.loc.field ?? null, field);
    assert.match(e.message, message);
    // The message itself carries the location (what the user sees).
    const where = line ? `${e.loc.file}:${line}` : e.loc.file!;
    assert.ok(e.message.startsWith(where), e.message);
    if (field) assert.ok(e.message.includes(`field "${field}"`), e.message);
    assert.is(e.exitCode, 2);
  });
}

test('every fixture under fixtures/bad-suites has an expectation', async () => {
  const { readdirSync } = await import('node:fs');
  const names = readdirSync(BAD).sort();
  assert.equal(names, expectations.map((x) => x[0]).sort());
});

test('a cases entry pointing outside is refused even when the file exists, and through a symlink', async () => {
  const dir = join(tmp, 'escape', 'suite');
  cpSync(join(BAD, 'path-escape'), dir, { recursive: true });
  writeFileSync(join(tmp, 'escape', 'x.jsonl'), readFileSync(join(dir, 'cases', 'cases.jsonl')));
  const e = await loadError(dir);
  assert.match(e.message, /suite\.yaml:19 field "cases\.1": path "\.\.\/x\.jsonl" leaves the suite folder/);

  const y = join(dir, 'suite.yaml');
  writeFileSync(y, readFileSync(y, 'utf8').replace('  - ../x.jsonl\n', '  - cases/link.jsonl\n'));
  symlinkSync(join(tmp, 'escape', 'x.jsonl'), join(dir, 'cases', 'link.jsonl'));
  const viaLink = await loadError(dir);
  assert.match(viaLink.message, /path "cases\/link\.jsonl" leaves the suite folder/);

  writeFileSync(y, readFileSync(y, 'utf8').replace('  - cases/link.jsonl\n', `  - ${join(tmp, 'escape', 'x.jsonl')}\n`));
  const absolute = await loadError(dir);
  assert.match(absolute.message, /must be relative to the suite folder/);
});

test('a listed case file that does not exist is named', async () => {
  const dir = join(tmp, 'missing-file');
  cpSync(join(BAD, 'path-escape'), dir, { recursive: true });
  const y = join(dir, 'suite.yaml');
  writeFileSync(y, readFileSync(y, 'utf8').replace('  - ../x.jsonl\n', '  - cases/nope.jsonl\n'));
  const e = await loadError(dir);
  assert.match(e.message, /cases\/nope\.jsonl: case file not found/);
});

test('a folder with no suite.yaml, an unknown suite id', async () => {
  const empty = join(tmp, 'empty');
  mkdirSync(empty, { recursive: true });
  assert.match((await loadError(empty)).message, /no suite\.yaml in folder/);
  const e = await loadError('finanse');
  assert.match(e.message, /unknown suite "finanse".*did you mean "finance"/);
});

test('a suite with no case files at all', async () => {
  const dir = join(tmp, 'nocasefiles');
  mkdirSync(dir, { recursive: true });
  cpSync(join(BAD, 'no-cases', 'suite.yaml'), join(dir, 'suite.yaml'));
  assert.match((await loadError(dir)).message, /suite\.yaml: the suite has no case files/);
});

test.run();
