// The peer: ONNX Runtime (CPU, from the npm package onnxruntime-node@1.30.0) timing a model the
// same way `finch bench` does. Usage:
//   node bench/ort_latency.js MODEL.onnx [--threads N] [--iters N] [--warmup N] [--no-opt]
// Prints one JSON line: {"model", "threads", "median_ms", "min_ms", "p90_ms", "mean_ms", "iters",
// "warmup", "optimization"}; statistics as finch bench computes them (median of an even count =
// mean of the two middle samples; p90 = sorted[floor(0.9 * (n - 1))]).
// Inputs: every graph input gets deterministic random data of its declared type; symbolic or
// unknown dimensions are taken as 1 (batch 1), as finch does.
// Install the peer once (git-ignored): bash bench/install_ort.sh
const path = require('path');
const ort = require(path.join(__dirname, '../third_party/ort/node_modules/onnxruntime-node'));

function fail(msg) {
  console.error('ort_latency: ' + msg);
  process.exit(1);
}

// --name N or --name=N; a non-negative integer.
function intArg(name, fallback, min) {
  let value;
  const eq = process.argv.find((a) => a.startsWith('--' + name + '='));
  if (eq) value = eq.slice(name.length + 3);
  const i = process.argv.indexOf('--' + name);
  if (i > 0) value = process.argv[i + 1];
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || parseInt(value, 10) < min) {
    fail(`--${name} needs an integer >= ${min}, got "${value}"`);
  }
  return parseInt(value, 10);
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

// A tensor of the input's declared type and shape: numbers -> themselves, symbolic (string),
// negative or missing dims -> 1.
function makeInput(meta, seed) {
  const shape = meta && Array.isArray(meta.shape) ? meta.shape : null;
  if (!shape) console.error(`ort_latency: input "${meta.name}" has no shape; using a scalar`);
  const dims = (shape || []).map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const n = dims.reduce((a, b) => a * b, 1);
  const x = randn(n, seed);
  const type = (meta && meta.type) || 'float32';
  switch (type) {
    case 'float32': return new ort.Tensor('float32', x, dims);
    case 'float64': return new ort.Tensor('float64', Float64Array.from(x), dims);
    case 'int32': return new ort.Tensor('int32', Int32Array.from(x, (v) => Math.round(v * 4)), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(x, (v) => BigInt(Math.round(v * 4))), dims);
    case 'uint8': return new ort.Tensor('uint8', Uint8Array.from(x, (v) => (v * 64) & 255), dims);
    case 'int8': return new ort.Tensor('int8', Int8Array.from(x, (v) => Math.round(v * 32)), dims);
    case 'bool': return new ort.Tensor('bool', Uint8Array.from(x, (v) => (v > 0 ? 1 : 0)), dims);
    default: fail(`input "${meta.name}" has type ${type}, which this script does not generate`);
  }
}

async function main() {
  const model = process.argv[2];
  if (!model || model.startsWith('--')) {
    fail('usage: node bench/ort_latency.js MODEL.onnx [--threads N] [--iters N] [--warmup N] ' +
         '[--no-opt]');
  }
  const threads = intArg('threads', 1, 1);
  const iters = intArg('iters', 50, 1);
  const warmup = intArg('warmup', 5, 0);
  const opt = process.argv.includes('--no-opt') ? 'disabled' : 'all';
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: opt,
    executionMode: 'sequential',
  });
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const meta = (session.inputMetadata || []).find((m) => m.name === name) || {name};
    feeds[name] = makeInput(meta, 1234 + i);
  });
  for (let i = 0; i < warmup; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < iters; ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  const p90 = times[Math.floor(0.9 * (n - 1))];
  const mean = times.reduce((a, b) => a + b, 0) / n;
  console.log(JSON.stringify({
    model: path.basename(path.dirname(model)) + '/' + path.basename(model), threads,
    median_ms: +median.toFixed(3), min_ms: +times[0].toFixed(3), p90_ms: +p90.toFixed(3),
    mean_ms: +mean.toFixed(3), iters, warmup, optimization: opt,
  }));
}
main().catch((e) => fail(e.message || String(e)));
