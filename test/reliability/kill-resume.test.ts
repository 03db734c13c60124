import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, tempDir, timingProofProfile } from '../helpers/fixtures.ts';

// Crash safety of `run`: real child processes killed with SIGKILL at seeded points, then resumed
// (`run --resume`), must end with the bundle an uninterrupted run writes.
const t = tempDir('mg-kill-');
const SCHEDULE_SEED = 0x5eed_2024;
const RUNS = 22; // interrupted runs (at least 20 must still be running at their kill point); every 5th also has its resume killed
const PARALLEL = 2;

// The ci profile, with what a kill can change by timing alone taken out of the verdicts: every
// latency passes the SLOs and the caching audit is never judged (first-call median below 10 min).
// So the normaliser below needs to drop only the latency figures themselves.
const PROFILE = timingProofProfile(t.dir, 'kill-resume', [[/^validity:/m, 'audit: {min_latency_ms: 600000}\nvalidity:']]);
const ARGS = ['--suite', 'finance', '--sample', '40', '--model', 'ref-weak', '--seed', '7', '--profile', PROFILE];

/**
 * Fields of a scorecard that depend on timing alone, and only those: the latency percentiles of the
 * e2e-SLO item and the first-call median quoted by the caching audit's message.
 */
const TIMING_FIELDS: RegExp[] = [
  /^indicators\[id=operations\.latency\.e2e-slo\]\.extra\.p(50|90|99)_ms$/,
  /^indicators\[id=operations\.latency\.ttft-slo\]\.extra\.p(50|90|99)_ms$/,
  /^validity\.checks\[id=audit-caching\]\.message$/,
];

/** Leaf paths where two JSON values differ; array elements with an `id` are matched by it. */
function diffPaths(a: unknown, b: unknown, path = ''): string[] {
  if (a === b) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    const keyed = (xs: unknown[]) => xs.every((x) => x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string');
    if (keyed(a) && keyed(b)) {
      const ids = [...new Set([...a, ...b].map((x) => (x as { id: string }).id))];
      const by = (xs: unknown[], id: string) => xs.find((x) => (x as { id: string }).id === id);
      return ids.flatMap((id) => diffPaths(by(a, id), by(b, id), `${path}[id=${id}]`));
    }
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_, i) => diffPaths(a[i], b[i], `${path}[${i}]`)).flat();
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [path];
}

/** The scorecard without its TIMING_FIELDS (everything else kept as it is). */
function normalise(sc: Record<string, unknown>): Record<string, unknown> {
  const x = structuredClone(sc) as { indicators: { id: string; extra?: Record<string, unknown> }[]; validity: { checks: { id: string; message?: string }[] } };
  for (const i of x.indicators) if (i.id.startsWith('operations.latency.') && i.extra) for (const p of ['p50_ms', 'p90_ms', 'p99_ms']) delete i.extra[p];
  for (const c of x.validity.checks) if (c.id === 'audit-caching') delete c.message;
  return x as unknown as Record<string, unknown>;
}

type Rec = { caseId: string; phase: string; status: string; output?: string };
const keyOf = (r: Rec) => `${r.phase}:${r.caseId}`;
const read = (f: string) => readFileSync(f, 'utf8');
const json = (f: string) => JSON.parse(read(f));
const lines = (f: string) => read(f).split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** mulberry32: the kill schedule is the same on every run of this test. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where to kill: a delay after spawn (ms), or once the journal holds at least k records. */
type KillPoint = { delayMs: number } | { records: number };
type Outcome = { code: number | null; killed: boolean; stderr: string; ms: number };
/** Children still running, killed if this test ends early. */
const live = new Set<ChildProcess>();
process.on('exit', () => live.forEach((p) => p.kill('SIGKILL')));

/** Runs the CLI as a child process; with a kill point, sends SIGKILL there (if it is still running). */
function runChild(args: string[], journal: string, point?: KillPoint): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/modelgrade.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(p);
    let stderr = '';
    let killed = false;
    p.stderr!.on('data', (d) => (stderr += d));
    const kill = () => {
      if (p.exitCode === null && p.signalCode === null) killed = p.kill('SIGKILL');
    };
    let timer: NodeJS.Timeout | undefined;
    if (point && 'delayMs' in point) timer = setTimeout(kill, point.delayMs);
    if (point && 'records' in point) {
      timer = setInterval(() => {
        if (!existsSync(journal)) return;
        let n = 0;
        for (const ch of readFileSync(journal)) if (ch === 0x0a) n++;
        if (n >= point.records) kill();
      }, 5);
    }
    p.on('close', (code) => {
      live.delete(p);
      clearTimeout(timer);
      clearInterval(timer);
      resolve({ code, killed, stderr, ms: Date.now() - t0 });
    });
  });
}

/** What a killed run left: every line but a torn last one parses, and no case is journaled twice in a phase. */
function checkJournalAfterKill(file: string, known: Set<string>): { records: number; torn: boolean } {
  if (!existsSync(file)) return { records: 0, torn: false };
  const text = read(file);
  const parts = text.split('\n');
  const tail = parts.pop()!; // '' when the file ends with a newline
  const seen = new Set<string>();
  for (const l of parts) {
    const r = JSON.parse(l) as Rec; // a malformed line other than the last would throw here
    assert.ok(known.has(keyOf(r)), `journal holds an unknown case ${keyOf(r)}`);
    assert.not.ok(seen.has(keyOf(r)), `${keyOf(r)} journaled twice in ${file}`);
    seen.add(keyOf(r));
  }
  return { records: seen.size, torn: tail !== '' };
}

let ref: { dir: string; ms: number; code: number | null; records: Rec[] };
const twinDir = join(t.dir, 'twin');
const results: { i: number; point: KillPoint; killed: boolean; atKill: { records: number; torn: boolean }; resumeKilled?: boolean; dir: string; code: number | null; fresh: boolean }[] = [];

const T0 = Date.now();
/** uvu does not report a failing before hook: its error is kept and reported by the first test. */
let setupError: unknown;
async function setup(): Promise<void> {
  // Two uninterrupted runs, side by side as the killed ones will run: the reference, and its twin
  // showing what differs between two runs that nobody killed. Their mean duration scales the delays.
  const dir = join(t.dir, 'ref');
  const [r, r2] = await Promise.all([runChild(['run', ...ARGS, '--out', dir], ''), runChild(['run', ...ARGS, '--out', twinDir], '')]);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  assert.is(r2.code, r.code, r2.stderr);
  ref = { dir, ms: Math.round((r.ms + r2.ms) / 2), code: r.code, records: lines(join(dir, 'responses.jsonl')) };
  if (process.env.MG_DEBUG) console.error(`ref ${r.ms} ms, twin ${r2.ms} ms`);

  const rand = rng(SCHEDULE_SEED);
  const total = ref.records.length;
  // Half the kills at delays spread over the reference run's duration (start-up, model load, the
  // calls, finalising), half once the journal holds k of its records (k = 1 … all of them).
  const schedule = Array.from({ length: RUNS }, (_, i) => {
    const point: KillPoint = i % 2 === 0 ? { delayMs: Math.round(ref.ms * (0.05 + 0.9 * rand())) } : { records: 1 + Math.floor(rand() * total) };
    const second: KillPoint | undefined = i % 5 === 4 ? { delayMs: Math.round(ref.ms * (0.2 + 0.6 * rand())) } : undefined;
    return { i, point, second };
  });
  const known = new Set(ref.records.map(keyOf));
  let next = 0;
  const worker = async () => {
    while (next < schedule.length) {
      const { i, point, second } = schedule[next++];
      const dir = join(t.dir, `k${i}`);
      const journal = join(dir, 'responses.jsonl');
      // Every third run journals with --fsync (kept by its resumes through run.json).
      const start = ['run', ...ARGS, ...(i % 3 === 2 ? ['--fsync'] : []), '--out', dir];
      const first = await runChild(start, journal, point);
      const atKill = checkJournalAfterKill(journal, known);
      let fresh = false;
      let resumeKilled: boolean | undefined;
      let code = first.code;
      // Killed after its bundle was complete (manifest written) but before the process exited (closing
      // the model): nothing to resume; its exit code is the one `run` gives a complete bundle.
      if (first.killed && existsSync(join(dir, 'manifest.json'))) code = json(join(dir, 'scorecard.json')).validity.valid ? 0 : 3;
      if (first.killed && !existsSync(join(dir, 'manifest.json'))) {
        // Killed before run.json was written: nothing to resume, the user runs it again.
        fresh = !existsSync(join(dir, 'run.json'));
        const again = fresh ? start : ['run', '--resume', dir];
        if (second && !fresh) {
          const r2 = await runChild(again, journal, second);
          resumeKilled = r2.killed;
          checkJournalAfterKill(journal, known);
          if (!r2.killed) code = r2.code;
        }
        if (!existsSync(join(dir, 'manifest.json'))) {
          const r3 = await runChild(existsSync(join(dir, 'run.json')) ? ['run', '--resume', dir] : start, journal);
          assert.is(r3.killed, false);
          code = r3.code;
          assert.ok(code === ref.code, `run ${i}: resume exited ${code}: ${r3.stderr}`);
        }
      }
      results.push({ i, point, killed: first.killed, atKill, resumeKilled, dir, code, fresh });
      if (process.env.MG_DEBUG) console.error(`run ${i} done at ${Date.now() - T0} ms`, JSON.stringify(results.at(-1)));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  results.sort((a, b) => a.i - b.i);
}
test.before(async () => {
  await setup().catch((e: unknown) => void (setupError = e));
});
test.after(() => t.cleanup());

test('at least 20 runs were killed mid-way, at spread points, and a few resumes were killed too', () => {
  assert.is(setupError, undefined, `setup failed: ${(setupError as Error)?.stack ?? setupError}`);
  const killed = results.filter((r) => r.killed);
  assert.ok(killed.length >= 20, `${killed.length} of ${RUNS} runs were still running at their kill point`);
  const mid = killed.filter((r) => r.atKill.records > 0 && r.atKill.records < ref.records.length);
  assert.ok(mid.length >= 8, `${mid.length} kills left a partial journal`);
  assert.ok(killed.some((r) => r.atKill.records === 0), 'some kills land before the first record');
  assert.ok(results.filter((r) => r.resumeKilled).length >= 2, 'resumes killed as well');
  const summary = results.map((r) => `${r.i}:${'delayMs' in r.point ? `${r.point.delayMs}ms` : `${r.point.records}rec`}→${r.atKill.records}${r.atKill.torn ? 'T' : ''}${r.resumeKilled ? '+K' : ''}${r.fresh ? 'F' : ''}`);
  console.log(`  reference ${ref.ms} ms, ${ref.records.length} records; kills: ${summary.join(' ')}`);
});

test('two uninterrupted runs differ in the timing fields only (the normaliser drops nothing else)', () => {
  const a = json(join(ref.dir, 'scorecard.json'));
  const b = json(join(twinDir, 'scorecard.json'));
  for (const p of diffPaths(a, b)) assert.ok(TIMING_FIELDS.some((re) => re.test(p)), `${p} differs between two uninterrupted runs`);
  assert.equal(normalise(b), normalise(a));
  // The normaliser does remove what it lists: the raw scorecards carry latency figures.
  assert.type(a.indicators.find((i: { id: string }) => i.id === 'operations.latency.e2e-slo').extra.p50_ms, 'number');
});

test('every interrupted run ends with the exit code and scorecard of the uninterrupted run (timing fields aside)', () => {
  const a = json(join(ref.dir, 'scorecard.json'));
  for (const r of results) {
    assert.is(r.code, ref.code, `run ${r.i}`);
    const b = json(join(r.dir, 'scorecard.json'));
    // What differs at all is only timing …
    for (const p of diffPaths(a, b)) assert.ok(TIMING_FIELDS.some((re) => re.test(p)), `run ${r.i}: ${p} differs and is not a timing field`);
    // … and with those removed, the scorecards are equal.
    assert.equal(diffPaths(normalise(a), normalise(b)), [], `run ${r.i}`);
    assert.equal(normalise(b), normalise(a), `run ${r.i}`);
  }
});

test('runs started with --fsync kept it through their resumes', () => {
  const synced = results.filter((r) => r.i % 3 === 2);
  assert.ok(synced.length >= 6);
  for (const r of synced) assert.is(json(join(r.dir, 'run.json')).requested.fsync, true, `run ${r.i}`);
  for (const r of results.filter((x) => x.i % 3 !== 2)) assert.is(json(join(r.dir, 'run.json')).requested.fsync, undefined, `run ${r.i}`);
});

test('responses.jsonl holds every case exactly once per phase, answered as in the reference', () => {
  const want = new Map(ref.records.map((x) => [keyOf(x), x]));
  for (const r of results) {
    const rs = lines(join(r.dir, 'responses.jsonl')) as Rec[];
    assert.is(rs.length, ref.records.length, `run ${r.i}: no case lost, none twice`);
    assert.equal(new Set(rs.map(keyOf)), new Set(want.keys()), `run ${r.i}`);
    for (const x of rs) {
      assert.is(x.status, 'ok', `run ${r.i} ${keyOf(x)}`);
      assert.is(x.output, want.get(keyOf(x))!.output, `run ${r.i} ${keyOf(x)}`);
    }
  }
});

test('scores.jsonl has one row per case and indicator, the same rows as the reference', () => {
  const rows = (d: string) =>
    (lines(join(d, 'scores.jsonl')) as { caseId: string; indicator: string; reason: string; extra?: unknown }[]).map((s) =>
      // Timing-dependent: the latency reasons quote measured ms; the footprint rows quote the measured load time and memory.
      s.caseId.startsWith('footprint:') ? { ...s, reason: '', extra: undefined } : { ...s, reason: s.indicator.startsWith('operations.latency.') ? '' : s.reason },
    );
  const want = rows(ref.dir);
  for (const r of results) {
    const got = rows(r.dir);
    const keys = got.map((s) => `${s.caseId}|${s.indicator}`);
    assert.is(new Set(keys).size, keys.length, `run ${r.i}: a case scored twice for an indicator`);
    assert.equal(got, want, `run ${r.i}`);
  }
});

test.run();
