// Full int8 accuracy, measured in ONNX Runtime (.onnx) and LiteRT (.tflite): calibrate on calib.txt (100 images),
// quantize with each setting, run the exported model on eval.txt, and print top-1, top-1 agreement with float, and
// output cosine. Usage: node tests/bench/run_accuracy.mjs BUILD_DIR [MODEL_FILTER]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ort = createRequire(path.join(here, '../interop/package.json'))('onnxruntime-node');
const { loadTflite } = await import('../interop/litert.mjs');
const buildDir = process.argv[2] ?? 'build';
const filter = process.argv[3] ?? '';
const data = process.env.QUANTSCOPE_DATA ?? path.join(here, '../../../shared/data');

const models = [
  { file: 'mobilenet_v1_0.25_224.onnx', folder: 'imagenet-sample', column: 3, prep: 'imagenet' },
  { file: 'resnet8_cifar10.onnx', folder: 'cifar10', column: 2, prep: 'cifar' },
  { file: 'mobilenet_v1_0.25_224.tflite', folder: 'imagenet-sample', column: 3, prep: 'imagenet' },
  { file: 'resnet8_cifar10.tflite', folder: 'cifar10', column: 2, prep: 'cifar' },
].filter((m) => m.file.includes(filter));

// One interface over both runtimes: run(Float32Array) -> Float32Array of output 0.
async function open(file, shape) {
  if (file.endsWith('.tflite')) {
    const m = await loadTflite(file, 2);
    return async (x) => Float32Array.from((await m.run([x]))[0].data);
  }
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  return async (x) => (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, shape) }))[s.outputNames[0]].data;
}
const settings = [];
for (const method of ['MAX_MIN', 'KL', 'REMOVAL_OUTLIER'])
  for (const perChannel of ['true', 'false'])
    for (const biasCorrection of ['true', 'false']) settings.push({ method, perChannel, biasCorrection });

function cosine(a, b) {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / Math.sqrt(na * nb);
}
const argmax = (a) => { let m = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[m]) m = i; return m; };

const rows = [];
for (const m of models) {
  const folder = path.join(data, 'images', m.folder);
  let float = null;
  for (const s of settings) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'qsacc-'));
    const info = JSON.parse(execFileSync(path.join(buildDir, 'tests/bench/eval_quant'), [
      path.join(data, 'models', m.file), folder, path.join(folder, 'calib.txt'), path.join(folder, 'eval.txt'),
      path.join(folder, 'labels.tsv'), String(m.column), m.prep, s.method, s.perChannel, s.biasCorrection, out], { encoding: 'utf8' }));
    float ??= await open(path.join(data, 'models', m.file), info.shape);
    const quant = await open(info.quantized, info.shape);
    const labels = fs.readFileSync(path.join(out, 'labels.txt'), 'utf8').trim().split('\n').map(Number);
    const raw = fs.readFileSync(path.join(out, 'eval.f32'));
    const per = info.shape.reduce((a, b) => a * b);
    let qTop = 0, fTop = 0, agree = 0, cos = 0;
    for (let i = 0; i < labels.length; i++) {
      const x = new Float32Array(raw.buffer, raw.byteOffset + i * per * 4, per);
      const yq = await quant(Float32Array.from(x));
      const yf = await float(Float32Array.from(x));
      const a = argmax(yq), b = argmax(yf);
      qTop += a === labels[i]; fTop += b === labels[i]; agree += a === b; cos += cosine(yq, yf);
    }
    const n = labels.length;
    rows.push({ model: m.file, method: s.method, per_channel: s.perChannel, bias_correction: s.biasCorrection, images: n, float_top1: 100 * fTop / n,
      int8_top1: 100 * qTop / n, sim_top1: info.sim_top1, agreement: 100 * agree / n, cosine: cos / n,
      size_ratio: info.bytes / fs.statSync(path.join(data, 'models', m.file)).size, quantize_s: info.quantize_seconds });
    fs.rmSync(out, { recursive: true, force: true });
  }
}
console.log('model                        method           per-ch bias-c  images  float%  int8%(RT)   sim%   agree%  cosine    size');
for (const r of rows)
  console.log(`${r.model.padEnd(28)} ${r.method.padEnd(16)} ${r.per_channel.padEnd(6)} ${r.bias_correction.padEnd(6)} ${String(r.images).padStart(6)} ${r.float_top1.toFixed(2).padStart(7)} ${r.int8_top1.toFixed(2).padStart(10)} ${r.sim_top1.toFixed(2).padStart(6)} ${r.agreement.toFixed(2).padStart(7)} ${r.cosine.toFixed(5).padStart(8)} ${r.size_ratio.toFixed(2).padStart(6)}x`);
