// Runs Quantscope's runtime benchmark and ONNX Runtime on the same inputs in the same run, and prints latency
// ratios (Quantscope / ONNX Runtime; lower is better); then the quantized simulation's cost against the float pass.
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
const { cosine } = await import(path.join(here, 'common.mjs'));

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

// Quantized simulation: the QDQ export of a full int8 conversion (8 calibration images, MAX_MIN, per channel, bias
// correction) run by Quantscope against its float model, at 1 thread, with ONNX Runtime's float and int8 latency on
// the same file and input, and the cosine between Quantscope's simulation and ONNX Runtime's int8 output.
const cli = path.join(buildDir, 'app/quantscope-cli');
const vnni = /\b(avx512_vnni|avx_vnni)\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
const simCases = [
  { model: 'mobilenet_v1_0.25_224.onnx', folder: 'imagenet-sample', size: 224, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] },
  { model: 'ppocr_v4_det.onnx', folder: 'text', size: 640, mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
];
const simRows = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'qssim-'));
for (const c of simCases) {
  const folder = path.join(dataDir, 'images', c.folder);
  const images = fs.readdirSync(folder).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const calib = path.join(work, c.model, 'calib');
  fs.mkdirSync(calib, { recursive: true });
  for (const f of images.slice(0, 8)) fs.symlinkSync(path.join(folder, f), path.join(calib, f));
  const source = path.join(dataDir, 'models', c.model);
  const input = (await ort.InferenceSession.create(source)).inputNames[0];
  const ini = path.join(work, c.model, 'full.ini');
  fs.writeFileSync(ini, `[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n[data_preprocess_param]\ncalibrate_path=${input}:${calib}\n` +
    `calibrate_size=8\ninput_type=IMAGE\nimage_to_format=RGB\nnormalize_mean=[${c.mean}]\nnormalize_std=[${c.std}]\n` +
    `resize_width=${c.size}\nresize_height=${c.size}\n[full_quant_param]\nactivation_quant_method=MAX_MIN\nper_channel=true\n` +
    `bias_correction=true\n` + (vnni ? '' : '[quantscope_param]\nreduce_range=true\n'));
  const int8 = path.join(work, c.model, 'int8.onnx');
  execFileSync(cli, ['convert', '--fmk=ONNX', `--modelFile=${source}`, `--outputFile=${int8}`, `--configFile=${ini}`], { stdio: ['ignore', 'ignore', 'ignore'] });
  const image = path.join(folder, images[8]);
  const timed = (file, dir) => JSON.parse(execFileSync(cli, ['run', file, '--input', `${input}=${image}`, '--format=RGB', `--mean=${c.mean}`,
    `--std=${c.std}`, `--resize=${c.size}x${c.size}`, '--threads', '1', '--repeat', String(repeats), '--output-dir', dir, '--save-inputs'],
  { encoding: 'utf8' }));
  const f = timed(source, path.join(work, c.model, 'float')), q = timed(int8, path.join(work, c.model, 'int8'));
  const x = readNpy(path.join(work, c.model, 'int8', `input_${input}.npy`));
  const ortRun = async (file) => {
    const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    const feeds = { [input]: new ort.Tensor(x.type, x.data, x.shape) };
    let y;
    for (let i = 0; i < 3; i++) y = await s.run(feeds);
    const ms = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = process.hrtime.bigint();
      await s.run(feeds);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    return { ms: ms[Math.floor(ms.length / 2)], y: y[s.outputNames[0]].data };
  };
  const of = await ortRun(source), oq = await ortRun(int8);
  const mine = readNpy(q.outputs[0].file).data;
  simRows.push({ model: c.model, float: f.median_ms, sim: q.median_ms, ortFloat: of.ms, ortInt8: oq.ms, cos: cosine(mine, oq.y) });
}
fs.rmSync(work, { recursive: true, force: true });
console.log('\nquantized simulation (QDQ export), 1 thread      quantscope float ms  sim ms  sim/float  onnxruntime float ms  int8 ms  cosine sim vs onnxruntime int8');
for (const r of simRows) {
  console.log(`${r.model.padEnd(48)} ${r.float.toFixed(2).padStart(19)} ${r.sim.toFixed(2).padStart(7)} ${(r.sim / r.float).toFixed(2).padStart(10)} ` +
    `${r.ortFloat.toFixed(2).padStart(21)} ${r.ortInt8.toFixed(2).padStart(8)} ${r.cos.toFixed(5).padStart(32)}`);
}
