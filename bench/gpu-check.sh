#!/usr/bin/env bash
# GPU check for modelgrade: run the same sampled suite on the CPU and on the GPU (CUDA, optionally
# WebGPU), check that greedy decoding gives the same scores, compare latency, and write a markdown
# report. For a person with an NVIDIA GPU; see docs/gpu.md.
set -euo pipefail

usage() {
  printf '%s\n' \
    "Usage: bash bench/gpu-check.sh [options]" \
    "" \
    "Runs 'modelgrade run' on --device cpu and --device cuda (and webgpu with --webgpu) into temporary" \
    "bundles, compares the scorecards (equal under greedy decoding, else the differences are reported)" \
    "and the latency (p50/p90 from responses.jsonl), adds 'modelgrade bench' per device when that" \
    "command exists, and writes a markdown report." \
    "" \
    "Options:" \
    "  -y, --yes         install the CUDA execution provider without asking, when it is missing" \
    "                    (ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node; downloads)" \
    "      --webgpu      also run on --device webgpu" \
    "      --suite S     suite to run (default: finance)" \
    "      --sample N    cases to sample (default: 100)" \
    "      --model M     model spec (default: ref-strong)" \
    "      --out FILE    report file (default: gpu-check-<UTC time>.md in the current folder)" \
    "      --keep        keep the run bundles (their folder is named in the report)" \
    "  -h, --help        this help" \
    "" \
    "Exit status: 0 all devices ran and agree; 1 a device failed or the scores differ; 2 bad usage."
}

die() {
  printf 'gpu-check: %s\n' "$1" >&2
  exit "${2:-1}"
}

ASSUME_YES=0
WEBGPU=0
KEEP=0
SUITE=finance
SAMPLE=100
MODEL=ref-strong
REPORT=
while (($# > 0)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    -y | --yes) ASSUME_YES=1 ;;
    --webgpu) WEBGPU=1 ;;
    --keep) KEEP=1 ;;
    --suite | --sample | --model | --out)
      (($# >= 2)) || die "$1 needs a value (see --help)" 2
      case "$1" in
        --suite) SUITE=$2 ;;
        --sample) SAMPLE=$2 ;;
        --model) MODEL=$2 ;;
        --out) REPORT=$2 ;;
      esac
      shift ;;
    *) die "unknown option: $1 (see --help)" 2 ;;
  esac
  shift
done
[[ $SAMPLE =~ ^[1-9][0-9]*$ ]] || die "--sample must be a positive integer, got '$SAMPLE'" 2

# 1. The GPU: nvidia-smi must be present and able to talk to the driver.
if ! command -v nvidia-smi >/dev/null 2>&1; then
  die "nvidia-smi not found on PATH: this check needs an NVIDIA GPU with its driver installed (nvidia-smi comes with the driver)."
fi
if ! GPU_LIST=$(nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader 2>&1); then
  die "nvidia-smi cannot query the GPU: $(printf '%s' "$GPU_LIST" | head -n 1)"
fi
command -v node >/dev/null 2>&1 || die "node not found on PATH (Node 20 or later is needed)"

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
MG=(node "$ROOT/bin/modelgrade.js")
[[ -f "$ROOT/dist/cli/main.js" ]] || export MODELGRADE_FROM_SRC=1

# 2. The CUDA execution provider of onnxruntime-node (opt-in: it is downloaded from outside npm).
ORT_DIR="$ROOT/node_modules/onnxruntime-node"
[[ -d $ORT_DIR ]] || die "onnxruntime-node is not installed in $ROOT (run npm ci first)"
if ! compgen -G "$ORT_DIR/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so" >/dev/null; then
  if ((ASSUME_YES == 0)); then
    [[ -t 0 ]] || die "the CUDA execution provider is not installed; re-run with -y to install it, or run: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node"
    read -r -p "The CUDA execution provider is missing. Install it now (ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node, downloads ~200 MB)? [y/N] " answer
    [[ $answer =~ ^[Yy] ]] || die "not installed; the cuda run needs it"
  fi
  (cd -- "$ROOT" && ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node) || die "installing the CUDA execution provider failed"
  compgen -G "$ORT_DIR/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so" >/dev/null || die "npm rebuild finished but libonnxruntime_providers_cuda.so is still missing"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mg-gpu-check.XXXXXX")
if ((KEEP == 0)); then trap 'rm -rf -- "$WORK"' EXIT; fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT=${REPORT:-"gpu-check-$STAMP.md"}

DEVICES=(cpu cuda)
((WEBGPU == 0)) || DEVICES+=(webgpu)

# 3. The runs, one per device.
STATUS=0
RUN_ARGS=()
for dev in "${DEVICES[@]}"; do
  printf 'gpu-check: run on %s (%s, %s cases of %s)…\n' "$dev" "$MODEL" "$SAMPLE" "$SUITE" >&2
  start=$SECONDS
  rc=0
  "${MG[@]}" run --suite "$SUITE" --sample "$SAMPLE" --model "$MODEL" --device "$dev" --out "$WORK/$dev" >"$WORK/$dev.log" 2>&1 || rc=$?
  # 0 = VALID, 3 = INVALID: both leave a complete bundle to compare.
  if ((rc != 0 && rc != 3)); then
    printf 'gpu-check: the %s run failed (exit %s); last lines:\n' "$dev" "$rc" >&2
    tail -n 5 "$WORK/$dev.log" >&2 || true
    STATUS=1
  fi
  RUN_ARGS+=("$dev" "$WORK/$dev" "$rc" "$((SECONDS - start))")
done

# 4. `modelgrade bench`, when this version has it.
BENCH_ARGS=()
if "${MG[@]}" bench --help >"$WORK/bench-help.txt" 2>&1; then
  for dev in "${DEVICES[@]}"; do
    args=(bench --model "$MODEL" --json)
    if grep -q -- '--device' "$WORK/bench-help.txt"; then args+=(--device "$dev"); elif [[ $dev != cpu ]]; then continue; fi
    printf 'gpu-check: bench on %s…\n' "$dev" >&2
    rc=0
    "${MG[@]}" "${args[@]}" >"$WORK/bench-$dev.json" 2>"$WORK/bench-$dev.log" || rc=$?
    BENCH_ARGS+=("$dev" "$WORK/bench-$dev.json" "$rc" "$WORK/bench-$dev.log")
  done
fi

# 5. The report: compare.mjs reads the bundles (no jq needed) and exits 1 when scores differ.
cat >"$WORK/compare.mjs" <<'JS'
import { existsSync, readFileSync } from 'node:fs';
const [header, runsArg, benchArg] = process.argv.slice(2).map((a) => JSON.parse(a));
const read = (f) => (existsSync(f) ? readFileSync(f, 'utf8') : null);
const json = (f) => { const t = read(f); try { return t === null ? null : JSON.parse(t); } catch { return null; } };
const pct = (xs, p) => { if (!xs.length) return null; const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };
const tail = (f, n) => (read(f) ?? '').replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-n).join('\n');
const ms = (x) => (x === null ? '–' : `${x.toFixed(1)} ms`);
const out = [];
const md = (s = '') => out.push(s);
md(`# modelgrade GPU check, ${header.stamp}`);
md();
md(`Suite \`${header.suite}\`, ${header.sample} sampled cases, model \`${header.model}\`. Node ${process.version}.`);
md();
md('GPUs (nvidia-smi):');
md();
md('```');
md(header.gpus.trim());
md('```');
md();
const runs = [];
for (let i = 0; i < runsArg.length; i += 4) {
  const [device, dir, rc, seconds] = runsArg.slice(i, i + 4);
  const sc = json(`${dir}/scorecard.json`);
  const responses = (read(`${dir}/responses.jsonl`) ?? '').split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
  const main = responses.filter((r) => r.phase === 'main');
  const ok = main.filter((r) => r.status === 'ok');
  const lat = ok.map((r) => r.timing.latencyMs);
  const tokens = ok.reduce((n, r) => n + (r.usage?.outputTokens ?? 0), 0);
  const energy = json(`${dir}/measurements.json`)?.measurements?.find((m) => m.indicator === 'operations.efficiency.energy');
  runs.push({ device, dir, rc: Number(rc), seconds: Number(seconds), sc, main, ok, p50: pct(lat, 50), p90: pct(lat, 90), tokens, energy });
}
md('## Runs');
md();
md('| device | exit | wall (s) | answered | errors | p50 latency | p90 latency | output tokens | grade | validity | energy |');
md('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of runs) {
  const e = r.energy ? `${r.energy.extra.j_per_token} J/token` : '–';
  md(`| ${r.device} | ${r.rc} | ${r.seconds} | ${r.ok.length}/${r.main.length} | ${r.main.length - r.ok.length} | ${ms(r.p50)} | ${ms(r.p90)} | ${r.tokens} | ${r.sc?.grade ?? '–'} | ${r.sc ? (r.sc.validity.valid ? 'VALID' : 'INVALID') : 'no scorecard'} | ${e} |`);
}
md();
for (const r of runs.filter((x) => x.rc !== 0 && x.rc !== 3)) {
  md(`The ${r.device} run failed (exit ${r.rc}); last lines of its log:`);
  md();
  md('```');
  md(tail(`${r.dir}.log`, 8));
  md('```');
  md();
}
let differ = false;
const base = runs.find((r) => r.device === 'cpu');
md('## Scores against the CPU run');
md();
for (const r of runs.filter((x) => x !== base)) {
  if (!base?.sc || !r.sc) {
    md(`- **${r.device}**: not compared (${!r.sc ? `no scorecard from ${r.device}` : 'no scorecard from cpu'}).`);
    differ = true;
    continue;
  }
  const a = new Map(base.sc.indicators.map((i) => [i.id, i.value]));
  const b = new Map(r.sc.indicators.map((i) => [i.id, i.value]));
  // Operations indicators measure speed and energy, which differ by design between devices.
  const ids = [...new Set([...a.keys(), ...b.keys()])].filter((id) => !id.startsWith('operations.')).sort();
  const diffs = ids.filter((id) => { const x = a.get(id) ?? null; const y = b.get(id) ?? null; return x === null || y === null ? x !== y : Math.abs(x - y) > 1e-9; });
  const outA = new Map(base.main.filter((x) => x.status === 'ok').map((x) => [x.caseId, x.output]));
  const changed = r.main.filter((x) => x.status === 'ok' && outA.has(x.caseId) && outA.get(x.caseId) !== x.output).map((x) => x.caseId);
  if (diffs.length === 0 && changed.length === 0) {
    md(`- **${r.device}**: equal to cpu on all ${ids.length} non-operations indicators and all ${r.ok.length} answers.`);
    continue;
  }
  differ = true;
  md(`- **${r.device}**: DIFFERS from cpu on ${diffs.length} indicator(s) and ${changed.length} answer(s) (greedy decoding should give equal results; small numeric differences between execution providers can flip a near-tie).`);
  md();
  if (diffs.length) {
    md('  | indicator | cpu | ' + r.device + ' | difference |');
    md('  | --- | --- | --- | --- |');
    for (const id of diffs) { const x = a.get(id) ?? null; const y = b.get(id) ?? null; md(`  | ${id} | ${x ?? '–'} | ${y ?? '–'} | ${x !== null && y !== null ? (y - x).toFixed(6) : '–'} |`); }
    md();
  }
  if (changed.length) md(`  Answers that differ: ${changed.slice(0, 20).join(', ')}${changed.length > 20 ? `, … (${changed.length} in all)` : ''}`);
}
md();
if (benchArg.length) {
  md('## modelgrade bench');
  md();
  for (let i = 0; i < benchArg.length; i += 4) {
    const [device, file, rc, log] = benchArg.slice(i, i + 4);
    const data = json(file);
    md(`### ${device}${Number(rc) !== 0 ? ` (exit ${rc})` : ''}`);
    md();
    if (Number(rc) !== 0) {
      md('```');
      md(tail(log, 5));
      md('```');
      md();
      continue;
    }
    const rows = Array.isArray(data) ? data : Array.isArray(data?.results) ? data.results : Array.isArray(data?.rows) ? data.rows : null;
    if (rows && rows.length && rows.every((x) => x && typeof x === 'object')) {
      const keys = [...new Set(rows.flatMap((x) => Object.keys(x)))];
      md(`| ${keys.join(' | ')} |`);
      md(`| ${keys.map(() => '---').join(' | ')} |`);
      for (const x of rows) md(`| ${keys.map((k) => (typeof x[k] === 'object' && x[k] !== null ? JSON.stringify(x[k]) : String(x[k] ?? '–'))).join(' | ')} |`);
    } else {
      md('```json');
      md(data === null ? (read(file) ?? '').slice(0, 4000) : JSON.stringify(data, null, 2));
      md('```');
    }
    md();
  }
}
if (header.keep) md(`Bundles kept in \`${header.work}\`.`);
process.stdout.write(out.join('\n') + '\n');
process.exitCode = differ ? 1 : 0;
JS

HEADER=$(node -e 'console.log(JSON.stringify({ stamp: process.argv[1], suite: process.argv[2], sample: Number(process.argv[3]), model: process.argv[4], gpus: process.argv[5], keep: process.argv[6] === "1", work: process.argv[7] }))' \
  "$STAMP" "$SUITE" "$SAMPLE" "$MODEL" "$GPU_LIST" "$KEEP" "$WORK")
RUNS_JSON=$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' "${RUN_ARGS[@]}")
BENCH_JSON=$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"})
rc=0
node "$WORK/compare.mjs" "$HEADER" "$RUNS_JSON" "$BENCH_JSON" >"$REPORT" || rc=$?
((rc == 0)) || STATUS=1
printf 'gpu-check: report written to %s\n' "$REPORT" >&2
((KEEP == 0)) || printf 'gpu-check: bundles kept in %s\n' "$WORK" >&2
exit "$STATUS"
