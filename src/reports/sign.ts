import { createHash, createPublicKey, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';

/**
 * DSSE (Dead Simple Signing Envelope) over a bundle's manifest.json, with Ed25519.
 * https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 */

/** payloadType of an in-toto Statement inside DSSE. */
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** One signature of an envelope: `sig` is base64 of the Ed25519 signature over PAE. */
export interface DsseSignature {
  keyid: string;
  sig: string;
}

/** A DSSE envelope (the file manifest.dsse.json). */
export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the payload's bytes (here: manifest.json exactly as on disk). */
  payload: string;
  signatures: DsseSignature[];
}

const bytes = (s: string | Uint8Array): Buffer => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s.buffer, s.byteOffset, s.byteLength));

/**
 * DSSE pre-authentication encoding:
 * `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN the ASCII decimal byte length.
 */
export function pae(payloadType: string, body: string | Uint8Array): Buffer {
  const t = bytes(payloadType);
  const b = bytes(body);
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `, 'ascii'), t, Buffer.from(` ${b.length} `, 'ascii'), b]);
}

/** The public half of a key (a private key's public key, or the key itself). */
function publicOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

/** Key id: sha256 hex of the public key's SPKI DER encoding (a private key stands for its public key). */
export function keyId(key: KeyObject): string {
  return createHash('sha256').update(publicOf(key).export({ type: 'spki', format: 'der' })).digest('hex');
}

/** Throws unless the key is an Ed25519 key of the wanted type. */
export function assertEd25519(key: KeyObject, type: 'private' | 'public' | 'any' = 'any'): void {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key (${key.asymmetricKeyType ?? key.type})`);
  if (type !== 'any' && key.type !== type) throw new Error(`not a ${type} key`);
}

/** Signs a manifest's bytes: a DSSE envelope with one Ed25519 signature over PAE(payloadType, manifest). */
export function signManifest(manifest: string | Uint8Array, privateKey: KeyObject): DsseEnvelope {
  assertEd25519(privateKey, 'private');
  const body = bytes(manifest);
  const sig = edSign(null, pae(PAYLOAD_TYPE, body), privateKey);
  return { payloadType: PAYLOAD_TYPE, payload: body.toString('base64'), signatures: [{ keyid: keyId(privateKey), sig: sig.toString('base64') }] };
}

/** What checking an envelope found. */
export interface EnvelopeCheck {
  /** Every problem, in words; empty when the envelope holds. */
  problems: string[];
  /** The key ids the envelope's signatures name. */
  keyids: string[];
  /** With a public key: its key id when one signature verifies under it; else null. */
  signedBy: string | null;
  /** The decoded payload, when the envelope is well formed. */
  payload: Buffer | null;
  /** With an expected payload: whether the signed payload is exactly those bytes (null: not compared). */
  payloadMatches: boolean | null;
}

/** The problem verifyEnvelope reports when the signed payload is not the expected bytes. */
export const PAYLOAD_DIFFERS = 'the signed payload differs from manifest.json';

/** base64 that decodes and re-encodes to itself (Node's decoder skips stray characters silently). */
function strictBase64(s: unknown): Buffer | null {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : null;
}

/**
 * Checks a DSSE envelope: well formed, payloadType in-toto, payload equal to `expectedPayload` when
 * given, and — with `publicKey` — a signature whose keyid is that key's id (or empty) and whose
 * Ed25519 signature over PAE verifies under it. Without a public key the signatures cannot be
 * checked: only their form and key ids are reported.
 */
export function verifyEnvelope(envelope: unknown, opts: { publicKey?: KeyObject; expectedPayload?: string | Uint8Array } = {}): EnvelopeCheck {
  const problems: string[] = [];
  const out: EnvelopeCheck = { problems, keyids: [], signedBy: null, payload: null, payloadMatches: null };
  const env = envelope as Partial<DsseEnvelope> | null;
  if (!env || typeof env !== 'object' || Array.isArray(env)) {
    problems.push('not a DSSE envelope (expected a JSON object)');
    return out;
  }
  if (env.payloadType !== PAYLOAD_TYPE) problems.push(`payloadType is ${JSON.stringify(env.payloadType)}, expected "${PAYLOAD_TYPE}"`);
  const payload = strictBase64(env.payload);
  if (!payload) problems.push('payload is not canonical base64');
  const sigs: { keyid: string; sig: Buffer }[] = [];
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) problems.push('no signatures');
  else {
    env.signatures.forEach((s, i) => {
      const keyid = (s as Partial<DsseSignature> | null)?.keyid ?? '';
      const sig = strictBase64((s as Partial<DsseSignature> | null)?.sig);
      if (typeof keyid !== 'string') problems.push(`signatures[${i}].keyid is not a string`);
      else if (!sig || sig.length !== 64) problems.push(`signatures[${i}].sig is not base64 of a 64-byte Ed25519 signature`);
      else sigs.push({ keyid, sig });
    });
    out.keyids = sigs.map((s) => s.keyid);
  }
  if (!payload) return out;
  out.payload = payload;
  if (opts.expectedPayload !== undefined) {
    out.payloadMatches = payload.equals(bytes(opts.expectedPayload));
    if (!out.payloadMatches) problems.push(PAYLOAD_DIFFERS);
  }
  if (opts.publicKey) {
    assertEd25519(opts.publicKey);
    const pub = publicOf(opts.publicKey);
    const id = keyId(pub);
    const message = pae(typeof env.payloadType === 'string' ? env.payloadType : '', payload);
    const good = sigs.find((s) => (s.keyid === '' || s.keyid === id) && edVerify(null, message, pub, s.sig));
    if (good) out.signedBy = id;
    else if (sigs.length > 0) {
      const named = sigs.some((s) => s.keyid === id);
      problems.push(named ? `the signature by ${id} does not verify` : `no signature by the given key ${id} (signed by ${sigs.map((s) => s.keyid || '(no keyid)').join(', ')})`);
    }
  }
  return out;
}
