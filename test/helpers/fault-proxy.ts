import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A fault a proxy applies to one chat-completions request (numbered from 1, in arrival order).
 * - `status`: answered by the proxy itself with this HTTP status (and Retry-After when given);
 * - `reset`: the upstream headers and first chunk are forwarded, then the client socket is destroyed;
 * - `stall`: the upstream headers and first chunk are forwarded, then nothing more (held open);
 * - `malformed`: 200 `application/json` whose body is cut mid-object;
 * - `truncated`: the upstream SSE stream cut before its finish chunk and `[DONE]`, then closed cleanly;
 * - `drip`: the upstream reply forwarded one byte every `intervalMs` (default 1000 ms);
 * - `outage`: this request's socket and every other connection destroyed, and new connections
 *   refused (the port closed) for `ms` milliseconds.
 */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; message?: string }
  | { kind: 'reset' }
  | { kind: 'stall' }
  | { kind: 'malformed' }
  | { kind: 'truncated' }
  | { kind: 'drip'; intervalMs?: number }
  | { kind: 'outage'; ms: number };

/** The fault plan: the fault of chat request n (1-based), or undefined to pass it through. */
export type FaultPlan = (n: number) => Fault | undefined;

/** A plan from a table of request number → fault. */
export const planOf = (table: Record<number, Fault>): FaultPlan => (n) => table[n];

/** One chat request as the proxy handled it. */
export interface ProxyLogEntry {
  n: number;
  fault: Fault['kind'] | 'pass';
}

/** A running fault proxy. */
export interface FaultProxy {
  /** Base URL of the proxied API, e.g. `http://127.0.0.1:40123/v1`. */
  url: string;
  port: number;
  /** Chat requests seen, in order (refused connections never reach it). */
  log: ProxyLogEntry[];
  /** Replaces the plan and restarts the request numbering at 1. */
  setPlan(plan: FaultPlan): void;
  close(): Promise<void>;
}

const CHAT = /\/chat\/completions\/?$/;

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Headers to forward upstream: the client's, with Host rewritten and hop-by-hop ones dropped. */
function forwardHeaders(h: IncomingHttpHeaders, host: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...h, host };
  delete out.connection;
  delete out['keep-alive'];
  return out;
}

/** Response headers to send back when the proxy rewrites the body (length and framing are its own). */
function replyHeaders(h: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...h };
  delete out['content-length'];
  delete out['transfer-encoding'];
  delete out.connection;
  delete out['keep-alive'];
  return out;
}

/** SSE text cut before the finish chunk: the role chunk and the first half of the content chunks. */
function truncateSse(body: string): string {
  const events = body.split('\n\n').filter((e) => e.trim() !== '');
  const content: number[] = [];
  events.forEach((e, i) => {
    if (/"content":"[^"]/.test(e)) content.push(i);
  });
  const cut = content.length ? content[Math.floor((content.length - 1) / 2)] + 1 : 1;
  return events.slice(0, cut).map((e) => e + '\n\n').join('');
}

/**
 * Starts an HTTP proxy on 127.0.0.1 (a free port) in front of an OpenAI-compatible server
 * (`upstream`, e.g. the URL of startServer, with or without `/v1`), applying `plan` to each
 * POST …/chat/completions request; every other request (GET /v1/models) passes through untouched.
 */
export async function startFaultProxy(upstream: string, initialPlan: FaultPlan = () => undefined): Promise<FaultProxy> {
  const up = new URL(upstream);
  let plan = initialPlan;
  let n = 0;
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const forward = (req: IncomingMessage, body: Buffer, onResponse: (r: IncomingMessage) => void, res: ServerResponse) => {
    const u = httpRequest(
      { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: forwardHeaders(req.headers, up.host) },
      onResponse,
    );
    u.on('error', () => res.destroy());
    // The client going away (a harness timeout, a reset) abandons the upstream call too.
    res.on('close', () => u.destroy());
    u.end(body);
  };

  const passThrough = (req: IncomingMessage, body: Buffer, res: ServerResponse) =>
    forward(req, body, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    }, res);

  function outage(ms: number, res: ServerResponse): void {
    res.socket?.destroy();
    server.close();
    for (const s of sockets) s.destroy();
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) server.listen(port, '127.0.0.1');
    }, ms);
    timers.add(t);
  }

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req);
    const num = ++n;
    const fault = plan(num);
    log.push({ n: num, fault: fault?.kind ?? 'pass' });
    if (!fault) return passThrough(req, body, res);
    switch (fault.kind) {
      case 'status': {
        const text = JSON.stringify({ error: { message: fault.message ?? `injected HTTP ${fault.status}`, type: 'server_error', code: null } });
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}) });
        res.end(text);
        return;
      }
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id":"chatcmpl-x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Ans');
        return;
      case 'outage':
        return outage(fault.ms, res);
      case 'reset':
      case 'stall':
        return forward(req, body, (r) => {
          res.writeHead(r.statusCode ?? 502, replyHeaders(r.headers));
          r.once('data', (chunk: Buffer) => {
            r.pause();
            if (fault.kind === 'reset') res.write(chunk, () => res.socket?.destroy());
            else res.write(chunk); // then silence, the connection held open
          });
        }, res);
      case 'truncated':
      case 'drip':
        return forward(req, body, async (r) => {
          const all = await readAll(r);
          res.writeHead(r.statusCode ?? 502, replyHeaders(r.headers));
          if (fault.kind === 'truncated') {
            res.end(truncateSse(all.toString('utf8')));
            return;
          }
          let i = 0;
          const t = setInterval(() => {
            if (i >= all.length) {
              clearInterval(t);
              res.end();
            } else res.write(all.subarray(i, ++i));
          }, fault.intervalMs ?? 1000);
          timers.add(t);
          res.on('close', () => clearInterval(t));
        }, res);
    }
  }

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const handle = req.method === 'POST' && CHAT.test(path) ? chat(req, res) : readAll(req).then((b) => passThrough(req, b, res));
    handle.catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    log,
    setPlan(p) {
      plan = p;
      n = 0;
      log.length = 0;
    },
    close: () =>
      new Promise<void>((done) => {
        closed = true;
        for (const t of timers) clearTimeout(t), clearInterval(t);
        for (const s of sockets) s.destroy();
        if (!server.listening) return done();
        server.close(() => done());
      }),
  };
}
