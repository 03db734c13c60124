// The bad-input corpus (fixtures/malformed/index.json) through the real CLI: every malformed input is
// exit 2 with one message naming the file (and line, and field), no stack trace, no partial bundle,
// and no change to a bundle it was given. Entries listed as accepted (a BOM, CRLF line ends) load.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { ROOT, tempDir, cliAsync as cli } from '../helpers/fixtures.ts';
// @ts-expect-error plain JS fixture generator, no declarations
import { makeSuite, damageBundle, BASE } from '../../fixtures/malformed/make.js';

const FIX = join(ROOT, 'fixtures/malformed');

interface Entry {
  name: string;
  args: string[];
  expect: string;
  file?: string;
  line?: number;
  field?: string;
  fixture?: string;
  make?: string;
  bundle?: object[];
  digestOf?: 'base';
}
const index = JSON.parse(readFileSync(join(FIX, 'index.json'), 'utf8')) as { rejected: Entry[]; accepted: Entry[] };
const t = tempDir('mg-malformed-');
const GOOD = join(t.dir, 'good');

type Result = { code: number; stdout: string; stderr: string };

/** sha256 of every file under `dir`, by relative path. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p, `${rel}${f}/`);
      else out[`${rel}${f}`] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

interface Prepared {
  e: Entry;
  args: string[];
  out: string;
  bundle?: string;
  bundleHash?: Record<string, string>;
  file?: string;
}

function prepare(e: Entry): Prepared {
  const dir = e.make ? makeSuite(e.make, join(t.dir, 'gen', e.name)) : e.fixture ? join(FIX, e.fixture) : '';
  const out = join(t.dir, 'out', e.name);
  let bundle: string | undefined;
  let bundleHash: Record<string, string> | undefined;
  if (e.bundle) {
    bundle = join(t.dir, 'bundles', e.name);
    cpSync(GOOD, bundle, { recursive: true });
    damageBundle(bundle, e.bundle);
    bundleHash = hashTree(bundle);
  }
  const fill = (s: string) =>
    s
      .replaceAll('{dir}', dir)
      .replaceAll('{file}', dir)
      .replaceAll('{base}', BASE)
      .replaceAll('{good}', GOOD)
      .replaceAll('{bundle}', bundle ?? '{bundle}')
      .replaceAll('{answers}', join(FIX, 'evidence/answers-ok.yaml'))
      .replaceAll('{out}', out);
  return { e, args: e.args.map(fill), out, bundle, bundleHash, file: e.file === undefined ? undefined : fill(e.file) };
}

/** Runs `jobs` two at a time. */
async function pool<T, R>(items: T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

let goodHash: Record<string, string>;
const rejected = new Map<string, { p: Prepared; r: Result }>();
const accepted = new Map<string, Result>();
let baseDigest = '';

test.before(async () => {
  const made = await cli(['run', '--suite', BASE, '--model', 'ref-weak', '--out', GOOD]);
  assert.ok(made.code === 0 || made.code === 3, `the good bundle: exit ${made.code}\n${made.stderr}`);
  goodHash = hashTree(GOOD);
  const base = await cli(['validate', BASE]);
  baseDigest = /digest ([0-9a-f]{64})/.exec(base.stdout)?.[1] ?? '';
  const preps = index.rejected.map(prepare);
  const results = await pool(preps, (p) => cli(p.args));
  preps.forEach((p, i) => rejected.set(p.e.name, { p, r: results[i] }));
  const acc = await pool(index.accepted, (e) => cli(prepare(e).args));
  index.accepted.forEach((e, i) => accepted.set(e.name, acc[i]));
});
test.after(() => t.cleanup());

test('the corpus: at least 40 malformed inputs, unique names, every fixture folder listed', () => {
  assert.ok(index.rejected.length >= 40, String(index.rejected.length));
  const names = [...index.rejected, ...index.accepted].map((e) => e.name);
  assert.is(new Set(names).size, names.length, 'names are unique');
  const used = new Set([...index.rejected, ...index.accepted].map((e) => e.fixture).filter(Boolean));
  for (const sub of ['suites', 'profiles', 'evidence']) {
    for (const f of readdirSync(join(FIX, sub))) assert.ok(used.has(`${sub}/${f}`), `fixtures/malformed/${sub}/${f} is in no entry`);
  }
  for (const e of index.rejected) assert.ok(e.file !== undefined || e.field !== undefined, `${e.name} names neither a file nor a field`);
});

for (const e of index.rejected) {
  test(`rejected: ${e.name} (${e.args.slice(0, 2).join(' ')})`, () => {
    const { p, r } = rejected.get(e.name)!;
    const why = `${p.args.join(' ')}\nexit ${r.code}\nstderr: ${r.stderr.slice(0, 2000)}`;
    assert.is(r.code, 2, why);
    assert.match(r.stderr, new RegExp(e.expect), why);
    if (p.file !== undefined) assert.ok(r.stderr.includes(basename(p.file)), `names ${basename(p.file)}: ${why}`);
    if (e.line !== undefined) assert.match(r.stderr, new RegExp(`${basename(p.file ?? '').replace(/[.]/g, '\\.')}:${e.line}\\b`), `names line ${e.line}: ${why}`);
    if (e.field !== undefined) assert.ok(r.stderr.includes(e.field), `names field ${e.field}: ${why}`);
    assert.not.match(r.stderr, /^\s+at /m, `no stack trace: ${why}`);
    assert.not.match(r.stderr, /internal error/, why);
    assert.ok(r.stderr.trim().split('\n').length <= 3, `one short message: ${why}`);
    if (e.args.some((a) => a.includes('{out}'))) {
      const left = existsSync(p.out) ? readdirSync(p.out) : [];
      assert.equal(left, [], `no partial output left in ${p.out}`);
    }
    if (p.bundle) assert.equal(hashTree(p.bundle), p.bundleHash, `the damaged bundle given to ${e.args[0]} is unchanged`);
  });
}

test('the good bundle given to every command above with bad input is byte-for-byte unchanged', () => {
  const users = index.rejected.filter((e) => e.args.some((a) => a.includes('{good}')));
  assert.ok(users.length >= 8, String(users.length));
  assert.equal(hashTree(GOOD), goodHash);
});

for (const e of index.accepted) {
  test(`accepted: ${e.name}`, () => {
    const r = accepted.get(e.name)!;
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(e.expect));
    // Same content, same digest: an encoding detail does not change what the suite is.
    if (e.digestOf === 'base') assert.ok(baseDigest && r.stdout.includes(baseDigest), `digest ${baseDigest} expected:\n${r.stdout}`);
  });
}

test.run();
