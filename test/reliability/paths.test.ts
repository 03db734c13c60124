// Path containment of the files a suite names (its case files): resolved through realpath and kept
// inside the suite folder. test/suites/load.test.ts covers `../x.jsonl`, an absolute path and a
// case-file symlink out; this file adds the other ways out (a symlinked folder, a chain of links,
// a path that only normalises out, the default cases/*.jsonl listing), the ways that stay in (links
// inside the suite, a suite folder that is itself a link), and the CLI's answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSuite, insideSuite, type SuiteCheckers } from '../../src/suites/load.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { taskChecker } from '../../src/metrics/index.ts';
import { InputError } from '../../src/core/errors.ts';
import { ROOT, cli, tempDir } from '../helpers/fixtures.ts';

const BASE = join(ROOT, 'fixtures/malformed/base');
const catalog = await loadCatalog();
const checkers: SuiteCheckers = { indicators: new Set(catalog.items.keys()), tasks: taskChecker };
const t = tempDir('mg-paths-');
test.after(() => t.cleanup());

let n = 0;
/** A copy of the base suite in <tmp>/<n>/suite, with `cases:` set to the given entries (none: default listing). */
function suite(cases?: string[]): { dir: string; outside: string } {
  const top = join(t.dir, String(n++));
  const dir = join(top, 'suite');
  cpSync(BASE, dir, { recursive: true });
  const outside = join(top, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'x.jsonl'), readFileSync(join(BASE, 'cases/cases.jsonl')));
  if (cases) writeFileSync(join(dir, 'suite.yaml'), `${readFileSync(join(dir, 'suite.yaml'), 'utf8')}cases:\n${cases.map((c) => `  - ${c}\n`).join('')}`);
  return { dir, outside };
}

async function refused(dir: string): Promise<InputError> {
  try {
    await loadSuite(dir, checkers);
  } catch (e) {
    assert.instance(e, InputError, String(e));
    return e as InputError;
  }
  throw new Error(`${dir} loaded`);
}

test('a cases folder that is a symlink to a folder outside: refused (default cases/*.jsonl listing)', async () => {
  const { dir, outside } = suite();
  cpSync(join(dir, 'cases'), join(dir, 'cases-real'), { recursive: true });
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, 'cases'), { recursive: true });
  symlinkSync(outside, join(dir, 'cases'));
  const e = await refused(dir);
  assert.match(e.message, /path "cases\/x\.jsonl" leaves the suite folder/);
  assert.match(e.loc.file ?? '', /suite\.yaml$/);
});

test('a listed file under a symlinked folder pointing outside: refused, whether the file exists or not', async () => {
  const { dir, outside } = suite(['cases/cases.jsonl', 'ext/x.jsonl', 'ext/missing.jsonl']);
  symlinkSync(outside, join(dir, 'ext'));
  const e = await refused(dir);
  assert.match(e.message, /field "cases\.1": path "ext\/x\.jsonl" leaves the suite folder/);
  assert.is(e.loc.line, 27);
  // The missing file is judged where it would be (outside), not reported as merely missing.
  const y = join(dir, 'suite.yaml');
  writeFileSync(y, readFileSync(y, 'utf8').replace('  - ext/x.jsonl\n', ''));
  assert.match((await refused(dir)).message, /path "ext\/missing\.jsonl" leaves the suite folder/);
});

test('a chain of links (inside → inside → outside) is followed to its end and refused', async () => {
  const { dir, outside } = suite(['cases/a.jsonl']);
  symlinkSync(join(outside, 'x.jsonl'), join(dir, 'cases', 'c.jsonl'));
  symlinkSync(join(dir, 'cases', 'c.jsonl'), join(dir, 'cases', 'b.jsonl'));
  symlinkSync('b.jsonl', join(dir, 'cases', 'a.jsonl'));
  assert.match((await refused(dir)).message, /path "cases\/a\.jsonl" leaves the suite folder/);
});

test('a path that only leaves after normalisation (cases/../../outside/x.jsonl) is refused', async () => {
  const { dir } = suite(['cases/../../outside/x.jsonl']);
  assert.match((await refused(dir)).message, /leaves the suite folder/);
});

test('symlinks that stay inside the suite are fine, and a suite folder reached through a link loads', async () => {
  const { dir } = suite(['cases/link.jsonl', 'more/deep.jsonl']);
  const lines = readFileSync(join(BASE, 'cases/cases.jsonl'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'cases', 'cases.jsonl'), `${lines.slice(0, 3).join('\n')}\n`);
  writeFileSync(join(dir, 'cases', 'rest.jsonl.txt'), `${lines.slice(3).join('\n')}\n`);
  symlinkSync('cases.jsonl', join(dir, 'cases', 'link.jsonl'));
  mkdirSync(join(dir, 'more'));
  symlinkSync(join(dir, 'cases', 'rest.jsonl.txt'), join(dir, 'more', 'deep.jsonl'));
  const s = await loadSuite(dir, checkers);
  assert.is(s.cases.length, 5);
  const viaLink = join(t.dir, 'suite-link');
  symlinkSync(dir, viaLink);
  const again = await loadSuite(viaLink, checkers);
  assert.is(again.digest, s.digest);
});

test('insideSuite: the real path inside, refusals naming the file, line and field given', () => {
  const { dir } = suite();
  assert.is(insideSuite(dir, 'cases/cases.jsonl', 'suite.yaml'), join(dir, 'cases/cases.jsonl'));
  const at = { line: 7, field: 'cases.0' };
  for (const rel of ['../outside/x.jsonl', '/etc/passwd', 'cases/../../x']) {
    try {
      insideSuite(dir, rel, 'suite.yaml', at);
      assert.unreachable(rel);
    } catch (e) {
      assert.instance(e, InputError);
      assert.ok((e as InputError).message.startsWith('suite.yaml:7 field "cases.0": path '), (e as InputError).message);
    }
  }
});

test('a case file that is a folder is named, not a crash', async () => {
  const { dir } = suite(['cases']);
  const e = await refused(dir);
  assert.match(e.message, /cases: not a file/);
});

test('the CLI: exit 2 naming suite.yaml, line and path; no bundle written', () => {
  const { dir, outside } = suite(['cases/cases.jsonl', 'ext/x.jsonl']);
  symlinkSync(outside, join(dir, 'ext'));
  const out = join(t.dir, 'out');
  const r = cli(['run', '--suite', dir, '--model', 'ref-weak', '--out', out]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /suite\.yaml:27 field "cases\.1": path "ext\/x\.jsonl" leaves the suite folder/);
  assert.not.match(r.stderr, /^\s+at /m);
  assert.ok(!existsSync(out) || readdirSync(out).length === 0);
});

test.run();
