import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError } from '../../core/errors.ts';
import type { Adapter, CallContext, ModelInfo, ModelRequest, Reply, Usage } from '../../core/types.ts';
import { countTokens } from './openai.ts';

/** Options of a `cmd:<program and args>` model. */
export interface CmdOptions {
  /** Restarts after a crash before every call fails at once (default 3). */
  maxRestarts?: number;
  /** Time (ms) close() waits after ending stdin before it kills the program (default 2000). */
  graceMs?: number;
  /** Working folder of the program (default: the current one). */
  cwd?: string;
  /** Extra environment variables for the program (added to the harness's own). */
  env?: Record<string, string>;
}

/** Characters of stderr kept for messages (the last 64 K). */
const STDERR_KEEP = 64 * 1024;
/** Characters of that tail quoted in one error message. */
const STDERR_QUOTE = 2000;

/**
 * Splits a command line the way a POSIX shell splits words, without running a shell: blanks separate
 * words, '…' is literal, "…" allows \" \\ \$ \` escapes, a backslash outside quotes escapes the next
 * character. Throws InputError on an unterminated quote or an empty command.
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new InputError(`unterminated ' quote in command "${line}"`, { field: '--model' });
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1])) j++;
        cur += line[j];
      }
      if (j >= line.length) throw new InputError(`unterminated " quote in command "${line}"`, { field: '--model' });
      i = j;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  if (words.length === 0) throw new InputError('the cmd: model names no program', { field: '--model' });
  return words;
}

/** A call waiting for its reply line. */
interface Pending {
  resolve(r: Reply): void;
  reject(e: Error): void;
  ctx: CallContext;
  prompt: string;
  streamed: string;
}

/** One running instance of the program. */
interface Proc {
  child: ChildProcessWithoutNullStreams;
  /** stdout lines read so far (1-based numbering in messages). */
  lines: number;
  dead: boolean;
  /** Timers that give up waiting for a clean exit; cleared at death. */
  timers: NodeJS.Timeout[];
}

/**
 * A local program speaking JSONL on stdin/stdout (see docs/cmd-adapter.md). One child process serves
 * the whole run; concurrent calls are matched by id; `{"id","delta"}` lines stream. A crash (exit, or
 * stdout closed) fails the calls in flight and the program is restarted at most `maxRestarts` times;
 * after that every call fails at once. A missing or non-executable program is an InputError at open.
 */
export async function openCmd(command: string, opts: CmdOptions = {}): Promise<Adapter> {
  const argv = splitCommand(command);
  const [program, ...args] = argv;
  const maxRestarts = opts.maxRestarts ?? 3;
  const graceMs = opts.graceMs ?? 2000;
  const pending = new Map<string, Pending>();
  let stderrTail = '';
  let restarts = 0;
  let unmatched = 0;
  let nextId = 0;
  let closed = false;
  let lastDeath = '';
  let proc: Proc | undefined;
  let starting: Promise<Proc> | undefined;

  const quoteStderr = () => {
    const t = stderrTail.trim();
    return t ? `; stderr: ${t.length > STDERR_QUOTE ? '…' + t.slice(-STDERR_QUOTE) : t}` : '';
  };

  /** Starts the program; resolves once it runs, rejects with the spawn error (ENOENT, EACCES). */
  function start(): Promise<Proc> {
    const child = spawn(program, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const p: Proc = { child, lines: 0, dead: false, timers: [] };
    return new Promise((resolve, reject) => {
      child.on('error', (e) => {
        if (!child.pid) return reject(e);
        die(p, `cannot talk to the program (${e.message})`);
      });
      child.once('spawn', () => {
        wire(p);
        resolve(p);
      });
    });
  }

  /** Connects the streams of a running instance. */
  function wire(p: Proc): void {
    const { child } = p;
    child.stdin.on('error', () => {}); // EPIPE after a crash: reported by the exit
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderrTail = (stderrTail + s).slice(-STDERR_KEEP);
    });
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', (line) => onLine(p, line));
    const exitText = (code: number | null, signal: NodeJS.Signals | null) => (signal ? `was killed by ${signal}` : `exited with code ${code}`);
    child.once('close', (code, signal) => die(p, exitText(code, signal)));
    // 'close' waits for every stdio stream; do not wait forever on a stream a grandchild holds open.
    child.once('exit', (code, signal) => p.timers.push(setTimeout(() => die(p, exitText(code, signal)), 1000)));
    child.stdout.once('end', () => {
      p.timers.push(
        setTimeout(() => {
          die(p, 'closed its stdout');
          child.kill('SIGKILL');
        }, 500),
      );
    });
  }

  /** Marks an instance dead and fails the calls in flight. */
  function die(p: Proc, how: string): void {
    if (p.dead) return;
    p.dead = true;
    p.timers.forEach(clearTimeout);
    if (proc === p) proc = undefined;
    lastDeath = `the program "${command}" ${how}`;
    if (closed) return;
    const err = new Error(`cmd: ${lastDeath} (restarts so far: ${restarts} of ${maxRestarts})${quoteStderr()}`);
    for (const [id, c] of pending) {
      pending.delete(id);
      c.reject(err);
    }
  }

  /** One stdout line: a delta, a final reply, an error reply, or garbage. */
  function onLine(p: Proc, line: string): void {
    const n = ++p.lines;
    if (!line.trim()) return;
    let msg: Record<string, unknown> | undefined;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === 'object' && !Array.isArray(v)) msg = v as Record<string, unknown>;
    } catch {
      // handled below
    }
    const id = typeof msg?.id === 'string' ? msg.id : /"id"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
    const call = id === undefined ? undefined : pending.get(id);
    if (!call || id === undefined) {
      unmatched++; // garbage, or a reply to a call dropped at its timeout: ignored
      return;
    }
    const bad = (why: string) => {
      pending.delete(id);
      call.reject(new Error(`cmd: stdout line ${n}: ${why}: ${line.length > 200 ? line.slice(0, 200) + '…' : line}`));
    };
    if (!msg) return bad('not a JSON object');
    if (typeof msg.error === 'string') {
      pending.delete(id);
      return call.reject(new Error(`cmd: the program reported an error: ${msg.error.slice(0, 500)}`));
    }
    if (!('output' in msg) && 'delta' in msg) {
      if (typeof msg.delta !== 'string') return bad('"delta" is not a string');
      if (msg.delta === '') return;
      if (call.streamed === '') call.ctx.firstToken();
      call.streamed += msg.delta;
      call.ctx.onToken?.(msg.delta);
      return;
    }
    if (typeof msg.output !== 'string') return bad('no string "output" (nor "delta" or "error")');
    const u = msg.usage as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
    const usage: Usage =
      u && typeof u.input_tokens === 'number' && typeof u.output_tokens === 'number'
        ? { inputTokens: u.input_tokens, outputTokens: u.output_tokens }
        : { inputTokens: countTokens(call.prompt), outputTokens: countTokens(msg.output), counted: true };
    if (call.streamed === '') call.ctx.firstToken();
    pending.delete(id);
    call.resolve({ output: msg.output, usage });
  }

  /** The running instance, restarting a crashed one while the bound allows. */
  async function live(): Promise<Proc> {
    if (proc && !proc.dead) return proc;
    if (closed) throw new Error(`cmd: the model "${command}" is closed`);
    if (starting) return starting; // concurrent calls share one restart
    if (restarts >= maxRestarts) {
      throw new Error(`cmd: gave up on "${command}" after ${restarts} restarts (the limit); last: ${lastDeath}${quoteStderr()}`);
    }
    restarts++;
    stderrTail = '';
    starting = start().then(
      (p) => ((starting = undefined), (proc = p)),
      (e: Error) => {
        starting = undefined;
        throw new Error(`cmd: cannot restart "${command}" (${e.message})`);
      },
    );
    return starting;
  }

  // Open: a program that cannot start at all is bad input, found before the run starts.
  const t0 = performance.now();
  try {
    proc = await start();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found (check the path or PATH)' : code === 'EACCES' ? 'not executable (check its permissions)' : (e as Error).message;
    throw new InputError(`cannot start "${program}" of cmd:${command}: ${why}`, { field: '--model' });
  }
  const loadMs = Math.round((performance.now() - t0) * 10) / 10;
  const digest = createHash('sha256').update(JSON.stringify(argv));
  for (const a of args) {
    try {
      if (statSync(a).isFile()) digest.update(readFileSync(a)); // the script itself, when named
    } catch {
      // not a file
    }
  }
  const named = args.find((a) => !a.startsWith('-'));
  const id = basename(named ?? program, extname(named ?? program)) || 'cmd';
  const info: ModelInfo = { id, spec: `cmd:${command}`, kind: 'cmd', digest: digest.digest('hex'), loadMs, supportsLogprobs: false };

  return {
    id,
    describe: () => ({ ...info, restarts, unmatchedLines: unmatched }),
    async call(req: ModelRequest, caseId: string, ctx: CallContext): Promise<Reply> {
      if (closed) throw new Error(`cmd: the model "${command}" is closed`);
      const p = await live();
      const signal = ctx.signal;
      if (signal.aborted) throw new Error('cmd: aborted');
      const callId = `c${++nextId}`;
      return new Promise<Reply>((resolve, reject) => {
        if (closed) return reject(new Error(`cmd: the model "${command}" is closed`));
        if (p.dead) return reject(new Error(`cmd: ${lastDeath}${quoteStderr()}`)); // died while this call waited
        const onAbort = () => {
          if (pending.delete(callId)) reject(new Error('cmd: aborted'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const done = () => signal.removeEventListener('abort', onAbort);
        pending.set(callId, {
          resolve: (r) => (done(), resolve(r)),
          reject: (e) => (done(), reject(e)),
          ctx,
          prompt: req.prompt,
          streamed: '',
        });
        p.child.stdin.write(JSON.stringify({ id: callId, prompt: req.prompt, temperature: req.temperature, max_tokens: req.maxTokens, seed: req.seed, case_id: caseId }) + '\n');
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const [k, c] of pending) {
        pending.delete(k);
        c.reject(new Error('cmd: the model was closed'));
      }
      const p = proc;
      if (!p || p.dead || p.child.exitCode !== null || p.child.signalCode !== null) return;
      const gone = new Promise<void>((r) => p.child.once('exit', () => r()));
      p.child.stdin.end();
      /** Waits for the exit at most `ms`; true when the program is still there. */
      const stays = async (ms: number) => {
        let t: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((r) => (t = setTimeout(() => r('late'), ms)));
        const first = await Promise.race([gone, late]);
        clearTimeout(t);
        return first === 'late';
      };
      if (await stays(graceMs)) {
        p.child.kill('SIGTERM');
        if (await stays(1000)) {
          p.child.kill('SIGKILL');
          await stays(1000);
        }
      }
    },
  };
}
