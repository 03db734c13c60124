import { Command, CommanderError, Option } from 'commander';
import { EXIT, InputError, InterruptedError } from '../core/errors.ts';
import { harnessInfo } from './environment.ts';

/** Process-facing output (the only place that writes to stdout/stderr). */
const io = {
  out: (s: string) => process.stdout.write(s + '\n'),
  err: (s: string) => process.stderr.write(s + '\n'),
};

/**
 * The modelgrade command line. Returns the exit code: 0 VALID, 3 INVALID, 2 bad input or usage,
 * 1 failed gate/verification, 130 interrupted, 4 internal error.
 */
export async function main(argv: string[]): Promise<number> {
  const ctrl = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    io.err('interrupt: finishing the journal (press Ctrl-C again to quit at once)');
    ctrl.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const program = new Command('modelgrade')
    .description('Benchmark and conformance harness for industry large language models (CAICT five-dimension grading)')
    .version(harnessInfo().version)
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  let code: number = EXIT.ok;
  const set = (p: Promise<number>) => p.then((c) => void (code = c));

  program
    .command('run')
    .description('run a suite against a model and write a bundle')
    .option('--suite <id|dir>', 'built-in suite id or suite folder', undefined)
    .option('--model <spec>', 'onnx:<dir>, replay:<responses.jsonl>, openai:<base-url>, cmd:<program and args> (JSONL on stdin/stdout, see docs/cmd-adapter.md) or an embedded model name (default ref-strong)')
    .option('--out <dir>', 'bundle folder (default ./runs/<utc-timestamp>-<suite>-<model>/)')
    .option('--profile <id|file>', 'grading profile (default: the suite\'s, else certification)')
    .option('--sample <n>', 'stratified sample of n cases (by scenario × indicator)')
    .option('--seed <s>', 'seed for sampling and re-asks (default 1)')
    .option('--concurrency <n>', 'calls in flight at once (default 1)')
    .option('--resume <bundle-dir>', 'continue an interrupted run in place')
    .addOption(new Option('--lang <lang>', 'report language').choices(['zh', 'en']))
    .addOption(new Option('--device <device>', 'execution provider for onnx: models').choices(['cpu', 'cuda', 'webgpu']))
    .option('--timeout <ms>', 'harness-owned limit per call in ms (default 120000)')
    .option('--model-name <name>', 'openai: models: the server-side model (default: the first of /v1/models)')
    .option('--api-key-env <VAR>', 'openai: models: read the API key from this environment variable (never recorded)')
    .option('--shard <i>/<n>', 'run shard i of n (0-based: 0 ≤ i < n) of the (sampled) cases; join the shards with `merge`')
    .option('--train-data <file.jsonl>', 'the vendor\'s fine-tuning data: audit its quality and its n-gram contamination of the cases (development.data.*)')
    .option('--fsync', 'sync the journal to disk after every batch of responses (survives a power loss, not only a crash; docs/reliability.md)')
    .option('--loads', 'after the cases, run the suite\'s `loads:` scenarios (operations dimension; docs/timing.md)')
    .option('--conformance', 'openai: models: after the cases, check the endpoint\'s conformance (application dimension; includes a burst of 64 concurrent requests)')
    .action((o) => set(import('./commands/run.ts').then((m) => m.runCommand(o, { ...io, signal: ctrl.signal }))));

  program
    .command('load')
    .description('run a load scenario (single-stream, server, offline, soak) against a model: TTFT, E2E, TPOT, ITL, throughput, goodput; VALID or INVALID')
    .option('--model <spec>', 'onnx:<dir>, replay:<responses.jsonl>, openai:<base-url> or an embedded model name (default ref-strong)')
    .option('--suite <id|dir>', 'suite whose cases are the queries (default finance)')
    .option('--scenario <name>', 'single-stream | server | offline | soak')
    .option('--rate <req/s>', 'server, soak: offered rate (open loop)')
    .option('--rates <a,b,c>', 'server: sweep these rates and report the highest meeting the SLOs at p90')
    .option('--arrivals <kind>', 'server, soak: poisson (default) or gamma')
    .option('--gamma-shape <k>', 'gamma arrivals: shape k (1 = Poisson, < 1 burstier)')
    .option('--duration <s>', 'run length in seconds (default: the profile\'s load.min_duration_s)')
    .option('--min-queries <n>', 'issue at least n queries (default: the profile\'s load.min_queries)')
    .option('--concurrency <n>', 'offline: calls in flight at most (default 8)')
    .option('--profile <id|file>', 'grading profile: SLOs and load validity rules (default: the suite\'s, else certification)')
    .option('--seed <s>', 'seed of the query order and arrivals (default 1)')
    .option('--out <dir>', 'write load.json and measurements.json here (a new folder or a run bundle)')
    .option('--json', 'print the results as JSON')
    .option('--model-name <name>', 'openai: models: the server-side model (default: the first of /v1/models)')
    .option('--api-key-env <VAR>', 'openai: models: read the API key from this environment variable (never recorded)')
    .option('--timeout <ms>', 'harness-owned limit per call in ms (default 120000)')
    .addOption(new Option('--device <device>', 'execution provider for onnx: models').choices(['cpu', 'cuda', 'webgpu']))
    .action((o) => set(import('./commands/load.ts').then((m) => m.loadCommand(o, { ...io, signal: ctrl.signal }))));

  program
    .command('serve')
    .description('serve a model as an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/models, /health) until interrupted')
    .option('--model <spec>', 'onnx:<dir>, replay:<responses.jsonl>, openai:<base-url>, cmd:<program and args> (JSONL on stdin/stdout, see docs/cmd-adapter.md) or an embedded model name (default ref-strong)')
    .option('--port <n>', 'TCP port (0 = a free one; default 8000)')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--max-inflight <n>', 'at most n chat completions in flight; more answer HTTP 429 with Retry-After: 1 (default unlimited)')
    .addOption(new Option('--device <device>', 'execution provider for onnx: models').choices(['cpu', 'cuda', 'webgpu']))
    .action((o) => set(import('./commands/serve.ts').then((m) => m.serveCommand(o, { ...io, signal: ctrl.signal }))));

  program
    .command('bench')
    .description('micro-benchmark the model itself (tinybench): p50/p99 latency, ops/s and margin of error per prompt length × batch size')
    .option('--model <spec>', 'onnx:<dir>, replay:<responses.jsonl>, openai:<base-url>, cmd:<program and args> or an embedded model name (default ref-strong)')
    .option('--lengths <list>', 'prompt lengths in tokens (about), comma-separated (default 16,64,256)')
    .option('--batch <list>', 'concurrent calls per operation, comma-separated (default 1,4)')
    .option('--time <ms>', 'time budget per row in ms, after warm-up (default 1000)')
    .option('--max-tokens <n>', 'generated-token limit per call (default 16)')
    .option('--timeout <ms>', 'limit per call in ms (default 120000)')
    .addOption(new Option('--device <device>', 'execution provider for onnx: models').choices(['cpu', 'cuda', 'webgpu']))
    .option('--json', 'print the rows as JSON')
    .action((o) => set(import('./commands/bench.ts').then((m) => m.benchCommand(o, { ...io, signal: ctrl.signal }))));

  program
    .command('conformance <base-url>')
    .description('check an OpenAI-compatible endpoint: schema, usage, streaming, error bodies, /health, Retry-After on 429, determinism; exit 0 all passed, 1 some failed, 2 unreachable')
    .option('--model-name <name>', 'the server-side model (default: the first of /v1/models)')
    .option('--api-key-env <VAR>', 'read the API key from this environment variable (never recorded)')
    .option('--timeout <ms>', 'limit per request in ms (default 30000)')
    .option('--json', 'print the result as JSON')
    .option('--out <dir>', 'add the measurements to this bundle folder\'s measurements.json')
    .action((u: string, o) => set(import('./commands/conformance.ts').then((m) => m.conformanceCommand(u, o, io))));

  program
    .command('data-audit <file>')
    .description('audit a JSONL fine-tuning file: duplicates, near duplicates, invalid lines, PII density, label balance; with --suite, contamination of its cases')
    .option('--suite <id|dir>', 'also measure n-gram contamination of this suite\'s cases')
    .option('--json', 'print the audit as JSON')
    .action((f: string, o) => set(import('./commands/data-audit.ts').then((m) => m.dataAuditCommand(f, o, io))));

  program
    .command('rescore <bundle-dir>')
    .description('recompute scores and scorecard from the recorded responses, without the model')
    .action((dir: string) => set(import('./commands/rescore.ts').then((m) => m.rescoreCommand(dir, io))));

  program
    .command('report <bundle-dir>')
    .description('regenerate reports from a bundle')
    .option('--format <list>', 'comma-separated: html,json,junit,md,csv', 'html,json,junit,md,csv')
    .addOption(new Option('--lang <lang>', 'report language').choices(['zh', 'en']))
    .action((dir: string, o) => set(import('./commands/report.ts').then((m) => m.reportCommand(dir, o, io))));

  program
    .command('compare <bundles...>')
    .description('compare runs side by side (the first is the baseline), with paired significance')
    .option('--out <file.html>', 'where to write the comparison')
    .option('--force', 'compare runs of different suite digests anyway')
    .addOption(new Option('--lang <lang>', 'report language').choices(['zh', 'en']))
    .action((dirs: string[], o) => set(import('./commands/compare.ts').then((m) => m.compareCommand(dirs, o, io))));

  program
    .command('validate <suite>')
    .description('check a suite (id or folder) without running a model')
    .action((s: string) => set(import('./commands/validate.ts').then((m) => m.validateCommand(s, io))));

  program
    .command('import <format> <source>')
    .description('import a public benchmark format (teleqna, csv-mcq, lm-eval, jsonl) into a new suite folder')
    .requiredOption('--out <suite-dir>', 'the new suite folder (an existing one is never overwritten)')
    .option('--id <suite-id>', 'suite id (default: the folder name)')
    .addOption(new Option('--lang <lang>', 'language of the cases (default: en; csv-mcq: zh)').choices(['zh', 'en']))
    .option('--map <field=path,...>', 'jsonl: where case fields come from, e.g. input=question,choices=options,answer=label,id=qid,scenario=topic')
    .action((f: string, src: string, o) => set(import('./commands/import.ts').then((m) => m.importCommand(f, src, o, io))));

  program
    .command('list <what>')
    .description('list suites | indicators | profiles | models')
    .action((w: string) => set(import('./commands/list.ts').then((m) => m.listCommand(w, io))));

  program
    .command('keygen')
    .description('make an Ed25519 key pair: <dir>/private.pem (mode 0600) and <dir>/public.pem')
    .requiredOption('--out <dir>', 'folder for the key files (existing key files are never overwritten)')
    .action((o) => set(import('./commands/keygen.ts').then((m) => m.keygenCommand(o, io))));

  program
    .command('sign <bundle-dir>')
    .description('check every file against manifest.json, then sign it (DSSE, Ed25519) into manifest.dsse.json')
    .requiredOption('--key <file>', 'Ed25519 private key (PKCS#8 PEM, from keygen)')
    .action((dir: string, o) => set(import('./commands/sign.ts').then((m) => m.signCommand(dir, o, io))));

  program
    .command('verify <bundle-dir>')
    .description('check digests, the signature and the scores recomputed from the responses; exit 1 listing every problem')
    .option('--pubkey <file>', 'trusted Ed25519 public key (SPKI PEM); without it the signer is not checked')
    .action((dir: string, o) => set(import('./commands/verify.ts').then((m) => m.verifyCommand(dir, o, io))));

  program
    .command('gate')
    .description('CI regression gate: paired tests of a candidate bundle against a baseline; exit 0 pass, 1 regression, 2 bad input, 3 INVALID')
    .requiredOption('--baseline <bundle>', 'the baseline bundle')
    .requiredOption('--candidate <bundle>', 'the candidate bundle')
    .option('--max-drop <points>', 'largest tolerated drop in points, 0..100 (default 2)')
    .option('--alpha <a>', 'significance level, two-sided (default 0.05)')
    .option('--out <dir>', 'folder for gate.md and gate.junit.xml (default: the current directory)')
    .action((o) => set(import('./commands/gate.ts').then((m) => m.gateCommand(o, io))));

  program
    .command('merge <bundles...>')
    .description('join the bundles of a sharded run (run --shard i/n) into one bundle')
    .requiredOption('--out <dir>', 'the merged bundle folder (new or empty)')
    .action((dirs: string[], o) => set(import('./commands/merge.ts').then((m) => m.mergeCommand(dirs, o, io))));

  const evidence = program.command('evidence').description('evidence items: questionnaire for the vendor, review by the assessor');
  evidence
    .command('init <bundle-or-suite>')
    .description('write the questionnaire of the catalogue\'s evidence items as a YAML file the vendor fills in')
    .addOption(new Option('--lang <lang>', 'questionnaire language').choices(['zh', 'en']).default('zh'))
    .option('--out <file>', 'the YAML file (default ./evidence-answers.<lang>.yaml; never overwritten)')
    .action((t: string, o) => set(import('./commands/evidence.ts').then((m) => m.evidenceInitCommand(t, o, io))));
  evidence
    .command('review <bundle-dir>')
    .description('record answers, attachments (sha256) and verdicts in evidence.json and re-grade the bundle (met 1, partly 0.5, not met 0)')
    .requiredOption('--answers <file>', 'the filled-in questionnaire (from evidence init)')
    .requiredOption('--reviewer <name>', 'the assessor')
    .requiredOption('--verdicts <list>', 'item=met|partly|not-met[:note],...')
    .action((d: string, o) => set(import('./commands/evidence.ts').then((m) => m.evidenceReviewCommand(d, o, io))));

  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.badInput;
    }
    const debug = argv.includes('--debug');
    if (e instanceof InputError || e instanceof InterruptedError) {
      io.err(`modelgrade: ${e.message}`);
      if (debug) io.err(e.stack ?? '');
      return e.exitCode;
    }
    io.err(`modelgrade: internal error: ${e instanceof Error ? e.message : String(e)}`);
    if (debug && e instanceof Error) io.err(e.stack ?? '');
    return 4;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
