// The peer: ONNX Runtime (CPU, from the npm package onnxruntime-node@1.30.0) timing a model the
// same way `finch run` does. Usage:
//   node bench/ort_latency.js MODEL.onnx [--threads N] [--iters N] [--warmup N] [--no-opt]
// Prints one JSON line: {"model", "threads", "median_ms", "min_ms", "p90_ms", "iters"}.
// Install the peer once (git-ignored): bash bench/install_ort.sh
const path = require('path');
const ort = require(path.join(__dirname, '../third_party/ort/node_modules/onnxruntime-node'));

function arg(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

// Standard-normal values from a fixed seed (xorshift + Box-Muller), like finch's random input.
function randn(n, seed) {
  let s = BigInt(seed) | 1n;
  const next = () => {
    s ^= (s << 13n) & 0xffffffffffffffffn;
    s ^= s >> 7n;
    s ^= (s << 17n) & 0xffffffffffffffffn;
    return Number(s & 0xfffffffffffffn) / 2 ** 52;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(next(), 1e-12), v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

async function main() {
  const model = process.argv[2];
  const threads = parseInt(arg('threads', '1'));
  const iters = parseInt(arg('iters', '50'));
  const warmup = parseInt(arg('warmup', '5'));
  const opt = process.argv.includes('--no-opt') ? 'disabled' : 'all';
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: opt,
    executionMode: 'sequential',
  });
  const feeds = {};
  for (const name of session.inputNames) {
    const meta = session.inputMetadata.find((m) => m.name === name) || {};
    const dims = (meta.shape || [1, 3, 224, 224]).map((d) => (typeof d === 'number' ? d : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor('float32', randn(n, 1234), dims);
  }
  for (let i = 0; i < warmup; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < iters; ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(JSON.stringify({
    model: path.basename(path.dirname(model)) + '/' + path.basename(model), threads,
    median_ms: +q(0.5).toFixed(3), min_ms: +times[0].toFixed(3), p90_ms: +q(0.9).toFixed(3),
    iters, optimization: opt,
  }));
}
main().catch((e) => { console.error(e.message || e); process.exit(1); });
