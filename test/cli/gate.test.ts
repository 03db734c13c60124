import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, ROOT, tempDir } from '../helpers/fixtures.ts';

// Both sides use the light `ci` profile (what the CI workflow of docs/ci-gate.md runs), so the gate
// compares VALID bundles; an INVALID bundle is exit 3 (tested below with the certification profile).
const t = tempDir('mg-gate-');
const strong = join(t.dir, 'strong');
const strong2 = join(t.dir, 'strong2');
const weak = join(t.dir, 'weak');
const other = join(t.dir, 'telecom');
const read = (f: string) => readFileSync(f, 'utf8');
// Frozen copies of the suites: every run of this file sees the same suite digest, even while the
// checkout's suites are being edited.
const finance = join(t.dir, 'suite-finance');
const telecom = join(t.dir, 'suite-telecom');
cpSync(join(ROOT, 'suites/finance'), finance, { recursive: true });
cpSync(join(ROOT, 'suites/telecom'), telecom, { recursive: true });

test.before(() => {
  for (const [out, args] of [
    [strong, ['--model', 'ref-strong']],
    [strong2, ['--model', 'ref-strong']],
    [weak, ['--model', 'ref-weak']],
    [other, ['--sample', '40']],
  ] as const) {
    const suite = out === other ? telecom : finance;
    const r = cli(['run', '--suite', suite, '--profile', 'ci', '--out', out, ...args]);
    if (r.code !== 0 && r.code !== 3) throw new Error(`run ${out} failed (${r.code}): ${r.stderr}`);
  }
});
test.after(() => t.cleanup());

test('the weaker model as candidate regresses: exit 1 naming capability.performance.knowledge with effect and p', () => {
  const out = join(t.dir, 'g1');
  const r = cli(['gate', '--baseline', strong, '--candidate', weak, '--out', out]);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /REGRESSED indicator capability\.performance\.knowledge: effect -\d+\.\d\d points .*p = [0-9.e-]+/);
  assert.match(r.stdout, /gate: REGRESSION/);
  const md = read(join(out, 'gate.md'));
  assert.match(md, /## modelgrade gate: REGRESSION/);
  assert.match(md, /❌ \| indicator \| `capability\.performance\.knowledge`/);
  const junit = read(join(out, 'gate.junit.xml'));
  assert.match(junit, /<testsuites name="modelgrade gate" tests="\d+" failures="[1-9]\d*">/);
  assert.match(junit, /name="indicator capability\.performance\.knowledge"><failure message="regressed: drop of/);
});

test('a model against itself (two runs of ref-strong) passes: exit 0', () => {
  const out = join(t.dir, 'g2');
  const r = cli(['gate', '--baseline', strong, '--candidate', strong2, '--out', out]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /gate: PASS \(0 of \d+ regressed; max drop 2 points, alpha 0\.05\)/);
  assert.not.match(read(join(out, 'gate.junit.xml')), /<failure/);
  assert.match(read(join(out, 'gate.md')), /dimension \| `capability`/);
});

test('the strong model as candidate against the weak baseline is an improvement: exit 0', () => {
  const r = cli(['gate', '--baseline', weak, '--candidate', strong, '--out', join(t.dir, 'g3')]);
  assert.is(r.code, 0, r.stdout + r.stderr);
});

test('a large --max-drop tolerates the weak model; a tiny --alpha too', () => {
  assert.is(cli(['gate', '--baseline', strong, '--candidate', weak, '--max-drop', '100', '--out', join(t.dir, 'g4')]).code, 0);
  assert.is(cli(['gate', '--baseline', strong, '--candidate', weak, '--alpha', '1e-12', '--out', join(t.dir, 'g5')]).code, 0);
});

test('different suites are refused with the reason: exit 2', () => {
  const out = join(t.dir, 'g6');
  const r = cli(['gate', '--baseline', strong, '--candidate', other, '--out', out]);
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /different suites \(baseline finance .*candidate telecom/);
  assert.ok(!existsSync(join(out, 'gate.md')));
});

test('bad input: missing bundle, bad thresholds, missing option: exit 2', () => {
  assert.is(cli(['gate', '--baseline', join(t.dir, 'nope'), '--candidate', weak, '--out', t.dir]).code, 2);
  const r = cli(['gate', '--baseline', strong, '--candidate', weak, '--max-drop', 'x', '--out', t.dir]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--max-drop/);
  assert.is(cli(['gate', '--baseline', strong, '--candidate', weak, '--alpha', '1.5', '--out', t.dir]).code, 2);
  assert.is(cli(['gate', '--baseline', strong]).code, 2);
});

test('an INVALID bundle: exit 3, with the reason in gate.md', () => {
  const invalid = join(t.dir, 'invalid');
  const run = cli(['run', '--suite', finance, '--sample', '12', '--seed', '7', '--out', invalid]);
  assert.is(run.code, 3, run.stderr);
  const out = join(t.dir, 'g7');
  const r = cli(['gate', '--baseline', strong, '--candidate', invalid, '--out', out]);
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /candidate INVALID: /);
  assert.match(read(join(out, 'gate.md')), /modelgrade gate: INVALID/);
});

test.run();
