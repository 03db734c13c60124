/**
 * Long HTTP soak of `modelgrade serve`: the server runs in a child process (node bin/modelgrade.js
 * serve --port 0, its URL read from the line it prints) over the fastest embedded model; `clients`
 * streaming clients (raw fetch, SSE read to `data: [DONE]`) ask it back to back for `seconds`
 * (env BENCH_SOAK_S shortens it). The server's resident memory is sampled from /proc/<pid>/status
 * every second once a warm-up (`warmupS`, env BENCH_SOAK_WARMUP_S, default 20 s: JIT, heap and
 * ONNX arena grow to the load) is over. Growth (%) = mean RSS of the last 10 s of the measured span
 * against the mean of its first 10 s (with shorter soaks: the first and last quarter, at most 10 s).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/modelgrade.js', import.meta.url));

/** Resident set (MB) of a process from /proc/<pid>/status (VmRSS); NaN when unreadable. */
function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Starts `modelgrade serve` over `model`; resolves with the child and its base URL (…/v1). */
function startServe(model) {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--model', model], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = () => reject(new Error(`serve did not start: ${err.slice(-500)}`));
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Serving \S+ at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', fail);
    setTimeout(fail, 60_000).unref();
  });
}

/** One streaming chat completion read to its end; true when `[DONE]` arrived with content. */
async function streamOnce(url, i) {
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: `Question ${i}: what is ${i % 97} + ${i % 89}?\nAnswer:` }], stream: true, max_tokens: 8, temperature: 0 }),
  });
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    return false;
  }
  const text = await res.text();
  return text.includes('data: [DONE]') && !text.includes('"error"');
}

/**
 * Runs the soak. Returns { growthPct, first, last (mean RSS MB), peak, requests, errors, samples,
 * seconds, clients, model }.
 */
export async function serveSoak({ seconds = Number(process.env.BENCH_SOAK_S ?? 60), warmupS = Number(process.env.BENCH_SOAK_WARMUP_S ?? 20), clients = 256, model = 'ref-weak' } = {}) {
  const { child, url } = await startServe(model);
  const samples = [];
  const warmSeries = [];
  let requests = 0;
  let errors = 0;
  let stop = false;
  let sampler;
  const warmSampler = setInterval(() => warmSeries.push(rssMb(child.pid)), 1000);
  const warm = setTimeout(() => {
    clearInterval(warmSampler);
    requestsAtWarm = requests;
    samples.push(rssMb(child.pid));
    sampler = setInterval(() => samples.push(rssMb(child.pid)), 1000);
  }, warmupS * 1000);
  let requestsAtWarm = 0;
  const total = (warmupS + seconds) * 1000;
  const deadline = Date.now() + total;
  const timer = setTimeout(() => (stop = true), total);
  const loop = async (k) => {
    let i = k;
    while (!stop && Date.now() < deadline) {
      try {
        if (await streamOnce(url, i)) requests++;
        else errors++;
      } catch {
        errors++;
      }
      i += clients;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, k) => loop(k)));
  clearTimeout(timer);
  clearTimeout(warm);
  clearInterval(warmSampler);
  clearInterval(sampler);
  child.kill('SIGINT');
  await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  const ok = samples.filter((x) => Number.isFinite(x));
  const w = Math.max(1, Math.min(10, Math.floor(ok.length / 4)));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(ok.slice(0, w));
  const second = mean(ok.slice(w, 2 * w));
  const last = mean(ok.slice(-w));
  return {
    growthPct: (100 * (last - first)) / first,
    // The second window against the last: growth once settled further.
    warmGrowthPct: (100 * (last - second)) / second,
    first, last, peak: Math.max(...ok), requests, measuredRequests: requests - requestsAtWarm, errors, samples: ok.length, window: w, seconds, warmupS, clients, model,
    series: ok.map((x) => Math.round(x)),
    warmSeries: warmSeries.filter((x) => Number.isFinite(x)).map((x) => Math.round(x)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await serveSoak(), null, 2));
}
