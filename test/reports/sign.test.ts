import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, createPublicKey, generateKeyPairSync, verify as edVerify } from 'node:crypto';
import { keyId, pae, PAYLOAD_DIFFERS, PAYLOAD_TYPE, signManifest, verifyEnvelope } from '../../src/reports/sign.ts';

const a = generateKeyPairSync('ed25519');
const b = generateKeyPairSync('ed25519');
const manifest = Buffer.from('{\n  "_type": "https://in-toto.io/Statement/v1",\n  "subject": [],\n  "note": "模型 ✓"\n}\n', 'utf8');

test('PAE is the DSSE spec example, byte for byte', () => {
  assert.is(pae('http://example.com/HelloWorld', 'hello world').toString('latin1'), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  assert.ok(pae('http://example.com/HelloWorld', Buffer.from('hello world')).equals(Buffer.from('DSSEv1 29 http://example.com/HelloWorld 11 hello world')));
});

test('PAE lengths count bytes, not characters', () => {
  assert.ok(pae('é', '模型').equals(Buffer.concat([Buffer.from('DSSEv1 2 '), Buffer.from('é'), Buffer.from(' 6 '), Buffer.from('模型')])));
  assert.is(pae('', '').toString(), 'DSSEv1 0  0 ');
});

test('keyId is the sha256 of the public key\'s SPKI DER, the same from either half', () => {
  const want = createHash('sha256').update(a.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
  assert.is(keyId(a.publicKey), want);
  assert.is(keyId(a.privateKey), want);
  assert.is.not(keyId(b.publicKey), want);
});

test('signManifest: in-toto payload type, the exact bytes, an Ed25519 signature over PAE', () => {
  const env = signManifest(manifest, a.privateKey);
  assert.is(env.payloadType, 'application/vnd.in-toto+json');
  assert.is(env.payloadType, PAYLOAD_TYPE);
  assert.ok(Buffer.from(env.payload, 'base64').equals(manifest));
  assert.is(env.signatures.length, 1);
  assert.is(env.signatures[0].keyid, keyId(a.publicKey));
  // checked against a PAE spelled out here, not through pae()
  const message = Buffer.concat([Buffer.from(`DSSEv1 28 application/vnd.in-toto+json ${manifest.length} `), manifest]);
  assert.ok(edVerify(null, message, a.publicKey, Buffer.from(env.signatures[0].sig, 'base64')));
  assert.equal(signManifest(manifest, a.privateKey), env, 'Ed25519 signatures are deterministic');
});

test('round trip: the right key and the same bytes verify', () => {
  const env = JSON.parse(JSON.stringify(signManifest(manifest, a.privateKey)));
  const r = verifyEnvelope(env, { publicKey: a.publicKey, expectedPayload: manifest });
  assert.equal(r.problems, []);
  assert.is(r.signedBy, keyId(a.publicKey));
  assert.is(r.payloadMatches, true);
  assert.ok(r.payload?.equals(manifest));
  const pemKey = createPublicKey(a.publicKey.export({ type: 'spki', format: 'pem' }));
  assert.is(verifyEnvelope(env, { publicKey: pemKey }).signedBy, keyId(a.publicKey));
});

test('a wrong key fails', () => {
  const env = signManifest(manifest, a.privateKey);
  const r = verifyEnvelope(env, { publicKey: b.publicKey, expectedPayload: manifest });
  assert.is(r.signedBy, null);
  assert.is(r.problems.length, 1);
  assert.match(r.problems[0], /no signature by the given key/);
  // the other key's signature under the first key's keyid: still not valid
  const forged = { ...env, signatures: [{ keyid: keyId(a.publicKey), sig: signManifest(manifest, b.privateKey).signatures[0].sig }] };
  const f = verifyEnvelope(forged, { publicKey: a.publicKey });
  assert.is(f.signedBy, null);
  assert.match(f.problems.join('\n'), /does not verify/);
});

test('a changed payload, signature, payload type or keyid fails', () => {
  const env = signManifest(manifest, a.privateKey);
  const other = Buffer.from(manifest.toString().replace('✓', '✗'));
  const changed = verifyEnvelope({ ...env, payload: other.toString('base64') }, { publicKey: a.publicKey, expectedPayload: manifest });
  assert.ok(changed.problems.includes(PAYLOAD_DIFFERS));
  assert.is(changed.payloadMatches, false);
  assert.is(changed.signedBy, null, 'the signature does not cover the changed payload');
  const sig = Buffer.from(env.signatures[0].sig, 'base64');
  sig[10] ^= 1;
  const badSig = verifyEnvelope({ ...env, signatures: [{ ...env.signatures[0], sig: sig.toString('base64') }] }, { publicKey: a.publicKey });
  assert.is(badSig.signedBy, null);
  assert.match(badSig.problems.join('\n'), /does not verify/);
  const type = verifyEnvelope({ ...env, payloadType: 'application/json' }, { publicKey: a.publicKey });
  assert.is(type.signedBy, null);
  assert.match(type.problems.join('\n'), /payloadType/);
  const kid = verifyEnvelope({ ...env, signatures: [{ ...env.signatures[0], keyid: '0'.repeat(64) }] }, { publicKey: a.publicKey });
  assert.is(kid.signedBy, null);
  assert.match(kid.problems.join('\n'), /no signature by the given key/);
});

test('non-canonical base64 (stray characters Node would skip) is not accepted', () => {
  const env = signManifest(manifest, a.privateKey);
  const s = env.signatures[0].sig;
  const withStray = verifyEnvelope({ ...env, signatures: [{ ...env.signatures[0], sig: s.slice(0, 20) + '!' + s.slice(20) }] }, { publicKey: a.publicKey });
  assert.is(withStray.signedBy, null);
  assert.match(withStray.problems.join('\n'), /signatures\[0\]\.sig/);
  const payload = verifyEnvelope({ ...env, payload: env.payload + '\n' }, { publicKey: a.publicKey });
  assert.match(payload.problems.join('\n'), /payload is not canonical base64/);
  assert.equal(verifyEnvelope(null).problems, ['not a DSSE envelope (expected a JSON object)']);
  assert.match(verifyEnvelope({ ...env, signatures: [] }).problems.join('\n'), /no signatures/);
});

test('without a public key only the form and the key ids are reported', () => {
  const env = signManifest(manifest, a.privateKey);
  const r = verifyEnvelope(env, { expectedPayload: manifest });
  assert.equal(r.problems, []);
  assert.is(r.signedBy, null);
  assert.equal(r.keyids, [keyId(a.publicKey)]);
});

test('signing needs an Ed25519 private key', () => {
  assert.throws(() => signManifest(manifest, a.publicKey), /not a private key/);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => signManifest(manifest, ec.privateKey), /not an Ed25519 key/);
  assert.throws(() => verifyEnvelope(signManifest(manifest, a.privateKey), { publicKey: ec.publicKey }), /not an Ed25519 key/);
});

test.run();
