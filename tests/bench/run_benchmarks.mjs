// Runs Quantscope's runtime benchmark and ONNX Runtime on the same inputs in the same run, and prints latency
// ratios (Quantscope / ONNX Runtime; lower is better).
// Usage: node tests/bench/run_benchmarks.mjs BUILD_DIR [REPEATS]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../interop/package.json'));
const ort = require('onnxruntime-node');
const { readNpy } = await import(path.join(here, '../interop/npy.mjs'));

const buildDir = process.argv[2] ?? 'build';
const repeats = Number(process.argv[3] ?? 20);
const dataDir = process.env.QUANTSCOPE_DATA ?? path.join(here, '../../../shared/data');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qsbench-'));
const ours = execFileSync(path.join(buildDir, 'tests/bench/bench_runtime'), [tmp, String(repeats)], {
  env: { ...process.env, QUANTSCOPE_DATA: dataDir }, encoding: 'utf8',
}).trim().split('\n').map((l) => JSON.parse(l));

const rows = [];
for (const q of ours) {
  const session = await ort.InferenceSession.create(path.join(dataDir, 'models', q.model), {
    intraOpNumThreads: q.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const a = readNpy(path.join(tmp, `${q.model}.npy`));
  const feeds = { [q.input]: new ort.Tensor(a.type, a.data, a.shape) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const ms = [];
  for (let i = 0; i < q.runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((x, y) => x - y);
  const ortMedian = ms[Math.floor(ms.length / 2)];
  rows.push({ model: q.model, threads: q.threads, quantscope_ms: q.median_ms, ort_ms: ortMedian, ratio: q.median_ms / ortMedian });
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log('model                          threads  quantscope ms  onnxruntime ms  ratio');
for (const r of rows) {
  console.log(`${r.model.padEnd(30)} ${String(r.threads).padStart(7)} ${r.quantscope_ms.toFixed(2).padStart(14)} ${r.ort_ms.toFixed(2).padStart(15)} ${r.ratio.toFixed(2).padStart(6)}`);
}
