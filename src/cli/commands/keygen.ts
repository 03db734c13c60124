import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { InputError, EXIT } from '../../core/errors.ts';
import { keyId } from '../../reports/sign.ts';

/** File names `keygen` writes. */
export const KEY_FILES = { private: 'private.pem', public: 'public.pem' } as const;

/**
 * `modelgrade keygen --out <dir>`: an Ed25519 key pair, `private.pem` (PKCS#8, mode 0600) and
 * `public.pem` (SPKI). Existing key files are never overwritten (exit 2).
 */
export async function keygenCommand(o: { out: string }, io: { out: (s: string) => void }): Promise<number> {
  const dir = o.out;
  const priv = join(dir, KEY_FILES.private);
  const pub = join(dir, KEY_FILES.public);
  for (const f of [priv, pub]) if (existsSync(f)) throw new InputError('a key file is already there; refusing to overwrite it', { file: f });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  try {
    mkdirSync(dir, { recursive: true });
    // 'wx': fail rather than overwrite a file that appeared meanwhile; the mode is set again in case of an odd umask.
    writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    chmodSync(priv, 0o600);
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') throw new InputError('a key file is already there; refusing to overwrite it', { file: err.path ?? dir });
    if (err.code) throw new InputError(`cannot write the key (${err.code})`, { file: err.path ?? dir });
    throw e;
  }
  io.out(`key id ${keyId(publicKey)}`);
  io.out(`wrote ${priv} (private, mode 0600: keep it secret) and ${pub}`);
  return EXIT.ok;
}
