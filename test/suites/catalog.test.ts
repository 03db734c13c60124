import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { loadProfile, builtinProfiles } from '../../src/suites/profile.ts';
import { DERIVED } from '../../src/metrics/score-run.ts';
import { DIMENSIONS } from '../../src/core/schemas.ts';
import { InputError } from '../../src/core/errors.ts';
import { PROFILES_DIR, CATALOG_FILE } from '../../src/suites/paths.ts';

const catalog = await loadCatalog();
const items = new Set(catalog.items.keys());
const tmp = mkdtempSync(join(tmpdir(), 'mg-cat-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('catalogue: five dimensions in order, items indexed with their place', () => {
  assert.equal(catalog.dimensions.map((d) => d.id), [...DIMENSIONS]);
  for (const [id, it] of catalog.items) {
    assert.ok(id.startsWith(`${it.domain}.`) && it.domain.startsWith(`${it.dimension}.`), id);
    if (it.method === 'measured') assert.ok(it.measure, `${id} names no measure`);
    assert.ok(it.name.zh && it.name.en && it.description.zh && it.description.en, id);
  }
});

test('catalogue: every item the scorer derives exists', () => {
  for (const id of Object.values(DERIVED)) assert.ok(items.has(id), id);
  for (const id of ['capability.performance.knowledge', 'capability.performance.calculation', 'trustworthiness.safety.refusal', 'trustworthiness.over-refusal.benign']) assert.ok(items.has(id), id);
});

test('profiles: built-ins load and name only catalogue items', async () => {
  const names = builtinProfiles();
  assert.ok(names.includes('certification') && names.includes('ci'));
  for (const n of names) {
    const p = await loadProfile(n, items);
    assert.is(p.id, n);
    const mins = p.levels.map((l) => l.min);
    assert.equal(mins, [...mins].sort((a, b) => a - b));
  }
  const cert = await loadProfile('certification', items);
  assert.ok(cert.mandatory.some((m) => m.item === 'trustworthiness.safety.refusal'));
  assert.is(cert.validity.min_cases_per_item, 10);
});

test('profiles: unknown id suggests a near one', async () => {
  try {
    await loadProfile('certfication');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /unknown profile "certfication" \(did you mean "certification"\?\)/);
  }
});

test('profiles: an unknown mandatory item names file and field; descending levels are refused', async () => {
  const text = readFileSync(join(PROFILES_DIR, 'certification.yaml'), 'utf8');
  const bad = join(tmp, 'bad-item.yaml');
  writeFileSync(bad, text.replace('- item: trustworthiness.safety.refusal', '- item: trustworthiness.safety.refusall'));
  try {
    await loadProfile(bad, items);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /bad-item\.yaml(:\d+)? field "mandatory\.0\.item": unknown item "trustworthiness\.safety\.refusall" \(did you mean "trustworthiness\.safety\.refusal"/);
  }
  const desc = join(tmp, 'desc.yaml');
  writeFileSync(desc, text.replace('{id: L3, min: 70}', '{id: L3, min: 50}'));
  try {
    await loadProfile(desc, items);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /levels must have ascending "min"/);
  }
  const typo = join(tmp, 'typo.yaml');
  writeFileSync(typo, text.replace('max_error_rate: 0.05', 'max_eror_rate: 0.05'));
  try {
    await loadProfile(typo, items);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /typo\.yaml:\d+ field "validity": unknown field "max_eror_rate"/);
  }
});

test('catalogue: a broken catalogue names the problem', async () => {
  const text = readFileSync(CATALOG_FILE, 'utf8');
  const f = join(tmp, 'catalog.yaml');
  writeFileSync(f, text.replace('id: development.data.contamination', 'id: development.data.quality'));
  try {
    await loadCatalog(f);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /item "development\.data\.quality" is listed twice/);
  }
});

test.run();
