// Shared by the accuracy benchmarks: runs a model's float and quantized files in the real runtime of their format
// (ONNX Runtime for .onnx, LiteRT for .tflite) on the inputs eval_quant wrote, and compares them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ort = createRequire(path.join(here, '../interop/package.json'))('onnxruntime-node');
const { loadTflite } = await import('../interop/litert.mjs');
// QUANTSCOPE_DATA at run time, else the build's QUANTSCOPE_DATA_DIR (CTest passes it as QUANTSCOPE_DATA_DEFAULT), else
// ../shared/data beside the checkout
export const data = process.env.QUANTSCOPE_DATA || process.env.QUANTSCOPE_DATA_DEFAULT || path.join(here, '../../../shared/data');

// As Quantscope's cosineSimilarity: 1 when both are all zeros, 0 when only one is.
export function cosine(a, b) {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  if (na === 0 && nb === 0) return 1;
  return na === 0 || nb === 0 ? 0 : d / Math.sqrt(na * nb);
}
// DB's text-mask IoU: pixels above the threshold in each map; 1 when both masks are empty.
export function maskIoU(a, b, threshold = 0.3) {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i] > threshold, q = b[i] > threshold;
    inter += p && q; union += p || q;
  }
  return union === 0 ? 1 : inter / union;
}
const argmax = (a) => { let m = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[m]) m = i; return m; };

// run(Float32Array) -> Float32Array of output 0
export async function openModel(file, shape) {
  if (file.endsWith('.tflite')) {
    const m = await loadTflite(file, 2);
    return async (x) => Float32Array.from((await m.run([x]))[0].data);
  }
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  return async (x) => (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, shape) }))[s.outputNames[0]].data;
}

// Quantizes modelFile with the INI text through eval_quant, runs float and quantized in the runtime on the eval
// images, and returns top-1 (when labelled), agreement, mean output cosine, size ratio and Quantscope's own view.
// opts.calibrate: calibrate for weight and dynamic quantization too (their data-aware rounding).
// opts.calib / opts.eval: image names of the folder to calibrate on / evaluate on (else calib.txt / eval.txt, or the
// folder's first 20). opts.maskThreshold: also report each image's text-mask IoU (maskIoU) and cosine.
export async function evaluate(buildDir, m, iniText, opts = {}) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'qsacc-'));
  const ini = path.join(out, 'quant.ini');
  fs.writeFileSync(ini, iniText);
  const folder = path.join(data, 'images', m.folder);
  const list = (name, fallback) => {
    const given = opts[name.replace('.txt', '')];
    if (given) { fs.writeFileSync(path.join(out, name), given.join('\n') + '\n'); return path.join(out, name); }
    return fs.existsSync(path.join(folder, name)) ? path.join(folder, name) : fallback;
  };
  const modelPath = path.join(data, 'models', m.file);
  const info = JSON.parse(execFileSync(path.join(buildDir, 'tests/bench/eval_quant'), [
    modelPath, folder, list('calib.txt', 'all:20'), list('eval.txt', 'all:20'), m.column ? path.join(folder, 'labels.tsv') : '-',
    String(m.column ?? 0), m.prep, ini, out, ...(opts.calibrate ? ['calibrate'] : [])], { encoding: 'utf8' }));
  const float = await openModel(modelPath, info.shape);
  const quant = await openModel(info.quantized, info.shape);
  const labels = m.column ? fs.readFileSync(path.join(out, 'labels.txt'), 'utf8').trim().split('\n').map(Number) : [];
  const raw = fs.readFileSync(path.join(out, 'eval.f32'));
  const per = info.shape.reduce((a, b) => a * b);
  // An image whose float output is empty (all |y| < 1e-6: a text detector's map with no text) has no meaningful
  // cosine (runtimes differ between exact 0 and 1e-8 there); such images are left out of the cosine mean. A quantized
  // output that is empty where float's is not counts as cosine 0 (the detector lost everything), for the same reason.
  let qTop = 0, fTop = 0, agree = 0, cos = 0, empty = 0;
  const perImage = [];
  for (let i = 0; i < info.images; i++) {
    const x = new Float32Array(raw.buffer, raw.byteOffset + i * per * 4, per);
    const yq = await quant(Float32Array.from(x));
    const yf = await float(Float32Array.from(x));
    const a = argmax(yq), b = argmax(yf);
    if (labels.length) { qTop += a === labels[i]; fTop += b === labels[i]; }
    agree += a === b;
    const blank = (y) => y.every((v) => Math.abs(v) < 1e-6);
    const c = blank(yf) ? NaN : blank(yq) ? 0 : cosine(yq, yf);
    if (Number.isNaN(c)) empty++;
    else cos += c;
    if (opts.maskThreshold !== undefined) perImage.push({ cosine: c, iou: maskIoU(yq, yf, opts.maskThreshold) });
  }
  const n = info.images;
  fs.rmSync(out, { recursive: true, force: true });
  return {
    images: n, float_top1: labels.length ? 100 * fTop / n : NaN, top1: labels.length ? 100 * qTop / n : NaN,
    agreement: 100 * agree / n, cosine: n > empty ? cos / (n - empty) : NaN, empty, sim_cosine: info.sim_cosine, sim_top1: info.sim_top1,
    perImage, size_ratio: info.bytes / fs.statSync(modelPath).size, init_scale: info.init_scale, seconds: info.quantize_seconds,
  };
}

export const fmt = (v, w, d = 2) => (Number.isNaN(v) ? '-' : v.toFixed(d)).padStart(w);
