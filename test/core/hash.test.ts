import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, digestOf, sha256, sha256File } from '../../src/core/hash.ts';

/** The same object with its keys inserted in another order, at every depth. */
function reorderKeys(v: unknown, rand: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => reorderKeys(x, rand));
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  // defineProperty, not assignment: a JSON key "__proto__" is an own property, not the prototype.
  const out: Record<string, unknown> = {};
  for (const [k, x] of entries) Object.defineProperty(out, k, { value: reorderKeys(x, rand), enumerable: true, writable: true, configurable: true });
  return out;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });

test('canonicalJson: sorted keys, no whitespace, undefined dropped', () => {
  assert.is(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 0, y: -1.5 } }), '{"a":[true,null,"x"],"b":1,"c":{"y":-1.5,"z":0}}');
  assert.is(canonicalJson({ a: undefined, b: 2 }), '{"b":2}');
  assert.is(canonicalJson([undefined, 1]), '[null,1]');
  assert.is(canonicalJson('中文\n'), '"中文\\n"');
  assert.is(canonicalJson(1e21), '1e+21');
  assert.is(canonicalJson(0.1), '0.1');
  assert.is(canonicalJson({}), '{}');
  assert.is(canonicalJson([]), '[]');
  // Keys sort by code point: upper case before lower case, ASCII before CJK.
  assert.is(canonicalJson({ b: 1, B: 2, 中: 3, a: 4 }), '{"B":2,"a":4,"b":1,"中":3}');
});

test('canonicalJson: non-finite numbers are refused', () => {
  assert.throws(() => canonicalJson(NaN), /non-finite/);
  assert.throws(() => canonicalJson({ a: [Infinity] }), /non-finite/);
});

test('property: key order never changes the canonical form or the digest', () => {
  fc.assert(
    fc.property(jsonValue, fc.nat(), (v, seed) => {
      const w = reorderKeys(v, seeded(seed));
      assert.is(canonicalJson(w), canonicalJson(v));
      assert.is(digestOf(w), digestOf(v));
    }),
    { numRuns: 300 },
  );
});

test('property: canonical JSON parses back to an equal value', () => {
  fc.assert(
    fc.property(jsonValue, (v) => {
      assert.equal(JSON.parse(canonicalJson(v)), JSON.parse(JSON.stringify(v)));
    }),
    { numRuns: 300 },
  );
});

test('property: array order does change the digest', () => {
  fc.assert(
    fc.property(fc.uniqueArray(jsonValue, { minLength: 2, maxLength: 6, selector: (x) => canonicalJson(x) }), (xs) => {
      const rev = [...xs].reverse();
      assert.is.not(digestOf(rev), digestOf(xs));
      assert.is.not(digestOf({ list: rev }), digestOf({ list: xs }));
    }),
    { numRuns: 200 },
  );
});

test('digest changes when a value changes', () => {
  const a = { id: 'fin-cs-0001', answer: 1, choices: ['20万元', '50万元'] };
  assert.is.not(digestOf(a), digestOf({ ...a, answer: 0 }));
  assert.is.not(digestOf(a), digestOf({ ...a, choices: ['20万元', '50万元 '] }));
  assert.is.not(digestOf({ a: 1 }), digestOf({ a: '1' }));
  assert.is(digestOf(a), digestOf({ choices: ['20万元', '50万元'], answer: 1, id: 'fin-cs-0001' }));
});

test('sha256 and sha256File agree with known values', async () => {
  assert.is(sha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.is(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.is(sha256(new TextEncoder().encode('abc')), sha256('abc'));
  const dir = mkdtempSync(join(tmpdir(), 'mg-hash-'));
  try {
    const f = join(dir, 'x.txt');
    writeFileSync(f, 'abc');
    assert.is(await sha256File(f), sha256('abc'));
    const big = 'x'.repeat(300_000) + '中';
    writeFileSync(f, big);
    assert.is(await sha256File(f), sha256(big), 'streamed in chunks, same digest');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
