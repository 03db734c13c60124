import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from '../context.ts';
import { bundleInputs, computeResults } from '../finalize.ts';
import { harnessInfo } from '../environment.ts';
import { InputError, EXIT } from '../../core/errors.ts';
import { canonicalJson, digestOf, sha256File } from '../../core/hash.ts';
import { readJournal } from '../../runners/journal.ts';
import { stratifiedSample } from '../../suites/sample.ts';
import { shardCases } from '../../suites/shard.ts';
import { expandPerturbations } from '../../suites/perturb.ts';
import { BUNDLE_FILES } from '../../reports/bundle.ts';
import { assertEd25519, PAYLOAD_DIFFERS, verifyEnvelope } from '../../reports/sign.ts';

/** One thing wrong with a bundle, attributed to a file of it. */
export interface Problem {
  file: string;
  message: string;
}

const IN_TOTO = 'https://in-toto.io/Statement/v1';

/** A bundle's manifest.json as read: its exact bytes and, when it parses, the Statement. */
export interface ManifestRead {
  bytes: Buffer | null;
  statement: any | null;
  problems: Problem[];
}

/** Whether a value is an in-toto Statement v1 with a subject list. */
const isStatement = (m: any): boolean => m?._type === IN_TOTO && Array.isArray(m?.subject);

/**
 * Checks that `dir` is a bundle folder and reads its manifest.json. A missing folder, or one with
 * neither manifest.json nor manifest.dsse.json, is bad input (InputError); a manifest that is
 * unreadable is a problem of the bundle.
 */
export function readManifest(dir: string, opts: { requireStatement: boolean }): ManifestRead {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError('bundle folder not found', { file: dir });
  const file = join(dir, BUNDLE_FILES.manifest);
  const signed = existsSync(join(dir, BUNDLE_FILES.signature));
  if (!existsSync(file)) {
    if (!signed || opts.requireStatement) throw new InputError(`not a modelgrade bundle (no ${BUNDLE_FILES.manifest})`, { file: dir });
    return { bytes: null, statement: null, problems: [{ file: BUNDLE_FILES.manifest, message: 'missing' }] };
  }
  const bytes = readFileSync(file);
  let parsed: any;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    if (opts.requireStatement) throw new InputError(`not valid JSON (${(e as Error).message})`, { file });
    return { bytes, statement: null, problems: [{ file: BUNDLE_FILES.manifest, message: `not valid JSON (${(e as Error).message})` }] };
  }
  if (!isStatement(parsed)) {
    if (!signed || opts.requireStatement) throw new InputError('not a modelgrade manifest (an in-toto Statement v1 with subjects)', { file });
    return { bytes, statement: null, problems: [{ file: BUNDLE_FILES.manifest, message: 'not an in-toto Statement v1 with subjects' }] };
  }
  return { bytes, statement: parsed, problems: [] };
}

const isPlainName = (n: unknown): n is string =>
  typeof n === 'string' && n !== '' && n !== '.' && n !== '..' && !/[\\/\0]/.test(n);

/**
 * Compares the bundle's files with the Statement's subjects: every subject present with its sha256,
 * and no file present but unlisted (manifest.json and manifest.dsse.json aside).
 */
export async function checkSubjects(dir: string, statement: any): Promise<Problem[]> {
  const problems: Problem[] = [];
  const listed = new Set<string>();
  for (const [i, s] of (statement.subject as any[]).entries()) {
    const name = s?.name;
    const want = s?.digest?.sha256;
    if (!isPlainName(name)) {
      problems.push({ file: BUNDLE_FILES.manifest, message: `subject[${i}] has no plain file name (${JSON.stringify(name)})` });
      continue;
    }
    if (name === BUNDLE_FILES.manifest || name === BUNDLE_FILES.signature) {
      problems.push({ file: BUNDLE_FILES.manifest, message: `subject[${i}] lists ${name}, which a manifest cannot cover` });
      continue;
    }
    if (listed.has(name)) {
      problems.push({ file: name, message: 'listed twice in manifest.json' });
      continue;
    }
    listed.add(name);
    if (typeof want !== 'string' || !/^[0-9a-f]{64}$/.test(want)) {
      problems.push({ file: name, message: 'manifest.json gives no sha256 for it' });
      continue;
    }
    const path = join(dir, name);
    if (!existsSync(path)) problems.push({ file: name, message: 'missing (listed in manifest.json)' });
    else if (!statSync(path).isFile()) problems.push({ file: name, message: 'not a file (listed in manifest.json)' });
    else {
      const got = await sha256File(path);
      if (got !== want) problems.push({ file: name, message: `sha256 differs from manifest.json (${got.slice(0, 12)}… ≠ ${want.slice(0, 12)}…)` });
    }
  }
  for (const name of readdirSync(dir).sort()) {
    if (name === BUNDLE_FILES.manifest || name === BUNDLE_FILES.signature || listed.has(name)) continue;
    problems.push({ file: name, message: 'present but not listed in manifest.json' });
  }
  return problems;
}

/** The text of a PEM key file; an unreadable file is bad input naming it. */
export function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the key (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
}

/** Reads an Ed25519 public key (SPKI PEM; a private key PEM stands for its public key). Bad input otherwise. */
export function readPublicKey(file: string): KeyObject {
  const pem = readKeyFile(file);
  try {
    const key = createPublicKey(pem);
    assertEd25519(key);
    return key;
  } catch (e) {
    throw new InputError(`not an Ed25519 public key in PEM (${(e as Error).message})`, { file });
  }
}

/**
 * Recomputes scores.jsonl and scorecard.json from responses.jsonl with the suite and profile of the
 * recorded digests, and compares them with the bundle's: scores.jsonl byte for byte, scorecard.json
 * canonically. responses.jsonl must be exactly what finalising writes (case order, one record per
 * case and phase).
 */
export async function checkRecompute(dir: string, statement: any): Promise<Problem[]> {
  const problems: Problem[] = [];
  const p = statement?.predicate;
  let resolved = p?.facts?.options?.resolved;
  if (!resolved?.suite) {
    try {
      resolved = JSON.parse(readFileSync(join(dir, BUNDLE_FILES.run), 'utf8'))?.resolved;
    } catch {
      resolved = undefined;
    }
  }
  if (!p?.suite?.digest || !p?.model || !resolved?.suite) {
    return [{ file: BUNDLE_FILES.manifest, message: 'cannot recompute: no modelgrade predicate (suite digest, model, resolved options)' }];
  }
  let loaded;
  try {
    loaded = await loadAll(String(resolved.suite), resolved.profile ?? undefined);
  } catch (e) {
    return [{ file: BUNDLE_FILES.manifest, message: `cannot recompute: cannot load suite "${resolved.suite}" (${(e as Error).message})` }];
  }
  const { catalog, suite, profile } = loaded;
  if (suite.digest !== p.suite.digest) {
    return [{ file: BUNDLE_FILES.manifest, message: `cannot recompute: suite "${resolved.suite}" here has digest ${suite.digest.slice(0, 12)}…, the bundle was run on ${String(p.suite.digest).slice(0, 12)}…` }];
  }
  if (p.profile?.digest !== undefined && digestOf(profile) !== p.profile.digest) {
    return [{ file: BUNDLE_FILES.manifest, message: `cannot recompute: profile "${profile.id}" here has digest ${digestOf(profile).slice(0, 12)}…, the bundle was graded with ${String(p.profile.digest).slice(0, 12)}…` }];
  }
  const sample = typeof resolved.sample === 'number' && resolved.sample > 0 ? resolved.sample : null;
  const cases = expandPerturbations(shardCases(sample ? stratifiedSample(suite.cases, sample, Number(resolved.seed ?? 1), suite.digest) : suite.cases, suite.digest, resolved.shard), Number(resolved.seed ?? 1));

  const respFile = join(dir, BUNDLE_FILES.responses);
  if (!existsSync(respFile)) return [{ file: BUNDLE_FILES.responses, message: 'missing: nothing to recompute from' }];
  let journal;
  try {
    journal = await readJournal(respFile, (line) => problems.push({ file: BUNDLE_FILES.responses, message: `torn last line ${line}` }));
  } catch (e) {
    return [{ file: BUNDLE_FILES.responses, message: `cannot recompute: ${(e as Error).message}` }];
  }
  let inputs;
  try {
    inputs = bundleInputs(dir, cases);
  } catch (e) {
    return [{ file: 'evidence.json / measurements.json', message: `cannot recompute: ${(e as Error).message}` }];
  }
  const r = computeResults({ suite, cases, catalog, profile, model: p.model, journal, ...inputs });
  if (!readFileSync(respFile).equals(Buffer.from(r.text.responses, 'utf8'))) {
    problems.push({ file: BUNDLE_FILES.responses, message: 'not as a run writes it (records out of case order, repeated, or not of this run)' });
  }
  const scoresFile = join(dir, BUNDLE_FILES.scores);
  if (!existsSync(scoresFile)) problems.push({ file: BUNDLE_FILES.scores, message: 'missing' });
  else if (!readFileSync(scoresFile).equals(Buffer.from(r.text.scores, 'utf8'))) {
    problems.push({ file: BUNDLE_FILES.scores, message: 'differs from the scores recomputed from responses.jsonl' });
  }
  const cardFile = join(dir, BUNDLE_FILES.scorecard);
  const scoresDiffer = problems.some((x) => x.file === BUNDLE_FILES.scores);
  let card: string | null = null;
  try {
    card = canonicalJson(JSON.parse(readFileSync(cardFile, 'utf8')));
  } catch {
    card = null;
  }
  if (!existsSync(cardFile)) problems.push({ file: BUNDLE_FILES.scorecard, message: 'missing' });
  else if (card !== canonicalJson(JSON.parse(r.text.scorecard))) {
    problems.push({ file: BUNDLE_FILES.scorecard, message: 'differs from the scorecard recomputed from responses.jsonl' });
  }
  // Scores are recomputed by this harness: a bundle made by another version may legitimately differ.
  const made = p.facts?.harness?.version;
  const here = harnessInfo().version;
  if ((scoresDiffer || problems.some((x) => x.file === BUNDLE_FILES.scorecard)) && typeof made === 'string' && made !== here) {
    problems.push({ file: BUNDLE_FILES.manifest, message: `note: the bundle was made by modelgrade ${made}, this is ${here}; scoring may have changed between them` });
  }
  return problems;
}

/** Output of the command. */
interface Io {
  out: (s: string) => void;
}

/**
 * `modelgrade verify <bundle> [--pubkey <file>]`: (1) every file matches its digest in manifest.json
 * and none is unlisted; (2) the DSSE signature in manifest.dsse.json covers manifest.json exactly and,
 * with --pubkey, verifies under that key; (3) scores.jsonl and scorecard.json are what the recorded
 * responses give. Exit 0 when all holds, 1 listing every problem, 2 on bad input.
 */
export async function verifyCommand(dir: string, o: { pubkey?: string }, io: Io): Promise<number> {
  const publicKey = o.pubkey !== undefined ? readPublicKey(o.pubkey) : undefined;
  const manifest = readManifest(dir, { requireStatement: false });
  const all: Problem[] = [];
  const section = (title: string, problems: Problem[], ok: string) => {
    all.push(...problems);
    if (problems.length === 0) io.out(`${title.padEnd(10)} ok: ${ok}`);
    else {
      io.out(`${title.padEnd(10)} FAILED`);
      for (const p of problems) io.out(`  ${p.file}: ${p.message}`);
    }
  };
  io.out(`bundle     ${dir}`);

  // (1) digests
  const digestProblems = [...manifest.problems];
  if (manifest.statement) digestProblems.push(...(await checkSubjects(dir, manifest.statement)));
  section('digests', digestProblems, `${manifest.statement?.subject?.length ?? 0} files match manifest.json, none unlisted`);

  // (2) signature
  const envFile = join(dir, BUNDLE_FILES.signature);
  let status: 'verified' | 'unknown-key' | 'not-signed' | 'failed';
  const sigProblems: Problem[] = [];
  let sigLine = '';
  if (!existsSync(envFile)) {
    status = 'not-signed';
    sigLine = 'not signed (no manifest.dsse.json)';
    if (publicKey) sigProblems.push({ file: BUNDLE_FILES.signature, message: 'missing: the bundle is not signed, and --pubkey asks for a valid signature' });
  } else {
    let env: unknown;
    try {
      env = JSON.parse(readFileSync(envFile, 'utf8'));
    } catch (e) {
      sigProblems.push({ file: BUNDLE_FILES.signature, message: `not valid JSON (${(e as Error).message})` });
    }
    if (sigProblems.length === 0) {
      const check = verifyEnvelope(env, { publicKey, expectedPayload: manifest.bytes ?? undefined });
      for (const m of check.problems) {
        sigProblems.push(m === PAYLOAD_DIFFERS
          ? { file: BUNDLE_FILES.manifest, message: 'differs from the payload signed in manifest.dsse.json' }
          : { file: BUNDLE_FILES.signature, message: m });
      }
      if (check.signedBy) sigLine = `signed by ${check.signedBy}`;
      else sigLine = `signed by an unknown key ${check.keyids.join(', ') || '(no keyid)'} — not verified against a trusted key (pass --pubkey <file> to check it)`;
    }
    status = sigProblems.length ? 'failed' : publicKey ? 'verified' : 'unknown-key';
  }
  if (sigProblems.length === 0) io.out(`signature  ${sigLine}`);
  else section('signature', sigProblems, '');

  // (3) recompute
  const recompute = manifest.statement ? await checkRecompute(dir, manifest.statement) : [{ file: BUNDLE_FILES.manifest, message: 'cannot recompute without a readable manifest' }];
  section('recompute', recompute, 'scores.jsonl and scorecard.json match the scores recomputed from responses.jsonl');

  if (all.length === 0) {
    const tail = status === 'not-signed' ? ' — not signed' : status === 'unknown-key' ? ' — signed by an unknown key (not checked against a trusted key)' : '';
    io.out(`VERIFIED${tail}`);
    return EXIT.ok;
  }
  io.out(`NOT VERIFIED: ${all.length} problem${all.length === 1 ? '' : 's'}`);
  return EXIT.failed;
}
