import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync, mkdirSync, unlinkSync } from 'node:fs';
import { createHash, createPrivateKey, createPublicKey, verify as edVerify } from 'node:crypto';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/fixtures.ts';

const t = tempDir('mg-sign-');
const bundle = join(t.dir, 'bundle');
const keys = join(t.dir, 'keys');
const otherKeys = join(t.dir, 'other-keys');
const pub = join(keys, 'public.pem');
const priv = join(keys, 'private.pem');
const FILES = ['responses.jsonl', 'scores.jsonl', 'scorecard.json', 'scorecard.html', 'summary.md', 'junit.xml', 'run.json', 'manifest.json', 'manifest.dsse.json'];

const read = (f: string) => readFileSync(f, 'utf8');
const json = (f: string) => JSON.parse(read(f));
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The problem lines verify prints name the file first: "  <file>: <what>". */
const names = (out: string, file: string) => new RegExp(`^  ${esc(file)}: `, 'm').test(out);
let n = 0;
/** A fresh copy of the signed bundle. */
const copy = () => {
  const d = join(t.dir, `copy-${++n}`);
  cpSync(bundle, d, { recursive: true });
  return d;
};
/** Rewrites manifest.json's subject digests to the files' current sha256 (what anyone can do without the key). */
const rehash = (d: string) => {
  const m = json(join(d, 'manifest.json'));
  for (const s of m.subject) s.digest.sha256 = sha(join(d, s.name));
  writeFileSync(join(d, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
};
const flipByte = (f: string) => {
  const b = readFileSync(f);
  b[b.length >> 1] ^= 0x01;
  writeFileSync(f, b);
};
let made: { code: number; stderr: string };
let keygen: { code: number; stdout: string; stderr: string };
let signed: { code: number; stdout: string; stderr: string };

test.before(() => {
  made = cli(['run', '--sample', '24', '--profile', 'ci', '--out', bundle]);
  keygen = cli(['keygen', '--out', keys]);
  assert.is(cli(['keygen', '--out', otherKeys]).code, 0);
  signed = cli(['sign', bundle, '--key', priv]);
});
test.after(() => t.cleanup());

test('the bundle is made, unsigned it verifies and says clearly "not signed"', () => {
  assert.ok(made.code === 0 || made.code === 3, made.stderr);
  const plain = join(t.dir, 'plain');
  assert.is(cli(['run', '--sample', '24', '--profile', 'ci', '--out', plain]).code, made.code);
  assert.not.ok(existsSync(join(plain, 'manifest.dsse.json')));
  const r = cli(['verify', plain]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^signature\s+not signed/m);
  assert.match(r.stdout, /^VERIFIED — not signed$/m);
  const withKey = cli(['verify', plain, '--pubkey', pub]);
  assert.is(withKey.code, 1, '--pubkey asks for a valid signature');
  assert.ok(names(withKey.stdout, 'manifest.dsse.json'), withKey.stdout);
});

test('keygen writes an Ed25519 pair: private.pem PKCS#8 mode 0600, public.pem SPKI; never overwrites', () => {
  assert.is(keygen.code, 0, keygen.stderr);
  assert.is(statSync(priv).mode & 0o777, 0o600);
  assert.match(read(priv), /^-----BEGIN PRIVATE KEY-----\n/);
  assert.match(read(pub), /^-----BEGIN PUBLIC KEY-----\n/);
  const k = createPrivateKey(read(priv));
  assert.is(k.asymmetricKeyType, 'ed25519');
  const spki = createPublicKey(read(pub)).export({ type: 'spki', format: 'der' });
  assert.ok(createPublicKey(k).export({ type: 'spki', format: 'der' }).equals(spki), 'the two files are one pair');
  assert.match(keygen.stdout, new RegExp(createHash('sha256').update(spki).digest('hex')));
  const before = read(priv);
  const again = cli(['keygen', '--out', keys]);
  assert.is(again.code, 2);
  assert.match(again.stderr, /refusing to overwrite/);
  assert.is(read(priv), before);
  const onlyPub = join(t.dir, 'only-pub');
  mkdirSync(onlyPub);
  writeFileSync(join(onlyPub, 'public.pem'), 'x');
  assert.is(cli(['keygen', '--out', onlyPub]).code, 2);
  assert.not.ok(existsSync(join(onlyPub, 'private.pem')));
  assert.is(cli(['keygen']).code, 2, '--out is required');
});

test('sign writes a DSSE envelope over manifest.json\'s exact bytes', () => {
  assert.is(signed.code, 0, signed.stderr);
  const env = json(join(bundle, 'manifest.dsse.json'));
  assert.equal(Object.keys(env).sort(), ['payload', 'payloadType', 'signatures']);
  assert.is(env.payloadType, 'application/vnd.in-toto+json');
  const manifest = readFileSync(join(bundle, 'manifest.json'));
  assert.ok(Buffer.from(env.payload, 'base64').equals(manifest));
  const spki = createPublicKey(read(pub)).export({ type: 'spki', format: 'der' });
  assert.is(env.signatures.length, 1);
  assert.is(env.signatures[0].keyid, createHash('sha256').update(spki).digest('hex'));
  const message = Buffer.concat([Buffer.from(`DSSEv1 28 application/vnd.in-toto+json ${manifest.length} `), manifest]);
  assert.ok(edVerify(null, message, createPublicKey(read(pub)), Buffer.from(env.signatures[0].sig, 'base64')));
  assert.not.ok(json(join(bundle, 'manifest.json')).subject.some((s: { name: string }) => s.name === 'manifest.dsse.json'));
});

test('verify --pubkey passes on the signed bundle, naming the signer', () => {
  const r = cli(['verify', bundle, '--pubkey', pub]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const keyid = json(join(bundle, 'manifest.dsse.json')).signatures[0].keyid;
  assert.match(r.stdout, new RegExp(`^signature\\s+signed by ${keyid}$`, 'm'));
  assert.match(r.stdout, /^digests\s+ok/m);
  assert.match(r.stdout, /^recompute\s+ok/m);
  assert.match(r.stdout, /^VERIFIED$/m);
});

test('verify without --pubkey reports the key id as an unknown key', () => {
  const r = cli(['verify', bundle]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const keyid = json(join(bundle, 'manifest.dsse.json')).signatures[0].keyid;
  assert.match(r.stdout, new RegExp(`signed by an unknown key ${keyid}`));
  assert.match(r.stdout, /not verified against a trusted key/);
});

for (const file of FILES) {
  test(`one flipped byte in ${file} fails verify, naming it`, () => {
    const d = copy();
    const before = sha(join(d, file));
    flipByte(join(d, file));
    assert.is.not(sha(join(d, file)), before);
    const r = cli(['verify', d, '--pubkey', pub]);
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.ok(names(r.stdout, file), `${file} not named:\n${r.stdout}`);
    assert.match(r.stdout, /^NOT VERIFIED: \d+ problems?$/m);
  });
}

test('every problem is listed: two changed files and an extra one are all named', () => {
  const d = copy();
  flipByte(join(d, 'summary.md'));
  flipByte(join(d, 'junit.xml'));
  writeFileSync(join(d, 'extra.txt'), 'hi');
  const r = cli(['verify', d, '--pubkey', pub]);
  assert.is(r.code, 1);
  for (const f of ['summary.md', 'junit.xml', 'extra.txt']) assert.ok(names(r.stdout, f), `${f} not named:\n${r.stdout}`);
  assert.match(r.stdout, /extra\.txt: present but not listed/);
  const gone = copy();
  unlinkSync(join(gone, 'junit.xml'));
  const g = cli(['verify', gone, '--pubkey', pub]);
  assert.is(g.code, 1);
  assert.match(g.stdout, /^  junit\.xml: missing/m);
});

test('a better grade with re-hashed digests but no key fails on the signature', () => {
  const d = copy();
  const sc = json(join(d, 'scorecard.json'));
  const before = JSON.stringify(sc);
  sc.grade = 'L5';
  sc.overall = 100;
  assert.is.not(JSON.stringify(sc), before);
  writeFileSync(join(d, 'scorecard.json'), JSON.stringify(sc, null, 2) + '\n');
  rehash(d);
  for (const args of [['--pubkey', pub], []]) {
    const r = cli(['verify', d, ...args]);
    assert.is(r.code, 1, r.stdout);
    assert.match(r.stdout, /^digests\s+ok/m, 'the digests alone are fooled');
    assert.match(r.stdout, /^  manifest\.json: differs from the payload signed in manifest\.dsse\.json$/m);
    assert.ok(names(r.stdout, 'scorecard.json'), 'and the recomputed scorecard differs');
  }
});

test('the same, re-signed with a different key, fails under the original public key', () => {
  const d = copy();
  const sc = json(join(d, 'scorecard.json'));
  sc.grade = 'L5';
  sc.overall = 100;
  writeFileSync(join(d, 'scorecard.json'), JSON.stringify(sc, null, 2) + '\n');
  rehash(d);
  const s = cli(['sign', d, '--key', join(otherKeys, 'private.pem')]);
  assert.is(s.code, 0, s.stderr);
  const r = cli(['verify', d, '--pubkey', pub]);
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stdout, /^  manifest\.dsse\.json: no signature by the given key/m);
  // even under the forger's own key, the recomputed scorecard gives it away
  const own = cli(['verify', d, '--pubkey', join(otherKeys, 'public.pem')]);
  assert.is(own.code, 1, own.stdout);
  assert.match(own.stdout, /^signature\s+signed by /m);
  assert.match(own.stdout, /^  scorecard\.json: differs from the scorecard recomputed from responses\.jsonl$/m);
});

/** Turns one right knowledge answer into a wrong one in responses.jsonl. */
const spoilAnswer = (d: string) => {
  const scores = read(join(d, 'scores.jsonl')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const right = scores.find((s) => s.indicator === 'capability.performance.knowledge' && s.pass);
  assert.ok(right, 'a right knowledge answer to spoil');
  const lines = read(join(d, 'responses.jsonl')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const edited = lines.map((r) => (r.caseId === right.caseId && r.phase === 'main' ? { ...r, output: 'no idea', logprobs: undefined } : r));
  writeFileSync(join(d, 'responses.jsonl'), edited.map((r) => JSON.stringify(r) + '\n').join(''));
};

test('edited responses, re-hashed and re-signed with the right key, fail: the scores no longer follow from them', () => {
  const d = copy();
  spoilAnswer(d);
  rehash(d);
  assert.is(cli(['sign', d, '--key', priv]).code, 0);
  const r = cli(['verify', d, '--pubkey', pub]);
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stdout, /^digests\s+ok/m);
  assert.match(r.stdout, /^signature\s+signed by /m);
  assert.match(r.stdout, /^  scores\.jsonl: differs from the scores recomputed from responses\.jsonl$/m);
});

test('edited responses with consistently recomputed scores are a different run: re-signed, it verifies (by design)', () => {
  // verify proves the files are what the key holder signed and that the scores follow from the
  // responses; it cannot prove the responses came from the model. Whoever holds the key vouches for that.
  const d = copy();
  spoilAnswer(d);
  const re = cli(['rescore', d]);
  assert.ok(re.code === 0 || re.code === 3, re.stderr);
  const stale = cli(['verify', d, '--pubkey', pub]);
  assert.is(stale.code, 1, 'the old signature does not cover the rescored manifest');
  assert.ok(names(stale.stdout, 'manifest.json'), stale.stdout);
  assert.is(cli(['sign', d, '--key', priv]).code, 0);
  const r = cli(['verify', d, '--pubkey', pub]);
  assert.is(r.code, 0, r.stdout);
  assert.is.not(sha(join(d, 'scores.jsonl')), sha(join(bundle, 'scores.jsonl')), 'a different run');
});

test('sign refuses a bundle whose files do not match the manifest, and writes nothing', () => {
  const d = copy();
  const envBefore = read(join(d, 'manifest.dsse.json'));
  flipByte(join(d, 'scorecard.html'));
  const r = cli(['sign', d, '--key', priv]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /refusing to sign/);
  assert.match(r.stderr, /^  scorecard\.html: sha256 differs/m);
  assert.is(read(join(d, 'manifest.dsse.json')), envBefore);
});

test('bad input exits 2: no bundle, a missing or unusable key', () => {
  const empty = join(t.dir, 'empty');
  mkdirSync(empty);
  assert.is(cli(['verify', empty]).code, 2);
  assert.is(cli(['verify', join(t.dir, 'nope')]).code, 2);
  assert.is(cli(['sign', empty, '--key', priv]).code, 2);
  const missing = cli(['verify', bundle, '--pubkey', join(t.dir, 'no-such.pem')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /no-such\.pem/);
  assert.is(cli(['verify', bundle, '--pubkey', join(bundle, 'summary.md')]).code, 2);
  const pubAsPriv = cli(['sign', copy(), '--key', pub]);
  assert.is(pubAsPriv.code, 2);
  assert.match(pubAsPriv.stderr, /not an Ed25519 private key/);
  assert.is(cli(['sign', bundle]).code, 2, '--key is required');
  const help = cli(['--help']).stdout;
  for (const c of ['keygen', 'sign', 'verify']) assert.match(help, new RegExp(`^  ${c}\\b`, 'm'));
});

test.run();
