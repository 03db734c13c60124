import { createPrivateKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { InputError, EXIT } from '../../core/errors.ts';
import { BUNDLE_FILES, writeAtomic } from '../../reports/bundle.ts';
import { assertEd25519, keyId, signManifest } from '../../reports/sign.ts';
import { checkSubjects, readKeyFile, readManifest } from './verify.ts';

/** Reads an Ed25519 private key (PKCS#8 PEM); anything else is bad input. */
export function readPrivateKey(file: string): KeyObject {
  const pem = readKeyFile(file);
  try {
    const key = createPrivateKey(pem);
    assertEd25519(key, 'private');
    return key;
  } catch (e) {
    throw new InputError(`not an Ed25519 private key in PEM (${(e as Error).message})`, { file });
  }
}

/**
 * `modelgrade sign <bundle> --key <file>`: checks every file against manifest.json (a bundle whose
 * files differ is never signed: exit 1 naming them), then writes manifest.dsse.json, a DSSE envelope
 * with an Ed25519 signature over manifest.json's exact bytes.
 */
export async function signCommand(dir: string, o: { key: string }, io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  const key = readPrivateKey(o.key);
  const { bytes, statement } = readManifest(dir, { requireStatement: true });
  const problems = await checkSubjects(dir, statement);
  if (problems.length > 0) {
    io.err(`modelgrade: refusing to sign ${dir}: its files do not match ${BUNDLE_FILES.manifest}`);
    for (const p of problems) io.err(`  ${p.file}: ${p.message}`);
    return EXIT.failed;
  }
  const envelope = signManifest(bytes!, key);
  const file = join(dir, BUNDLE_FILES.signature);
  writeAtomic(file, JSON.stringify(envelope, null, 2) + '\n');
  io.out(`signed ${BUNDLE_FILES.manifest} (${statement.subject.length} files) by ${keyId(key)}`);
  io.out(`wrote ${file}`);
  return EXIT.ok;
}
