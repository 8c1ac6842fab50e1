// Calibration speed and memory: Quantscope's statistics pass over 100 real images (inference on 1 thread; JPEG
// decoding, preprocessing and histogram bookkeeping on a second) relative to 100 float inferences of one
// preprocessed image in ONNX Runtime (1 thread, session creation and warm-up not timed), in the same run; and peak memory
// of a 500-image pass relative to a 100-image pass. Usage: node tests/bench/run_calibration_bench.mjs BUILD_DIR
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ort = createRequire(path.join(here, '../interop/package.json'))('onnxruntime-node');
const { readNpy } = await import(path.join(here, '../interop/npy.mjs'));
const buildDir = process.argv[2] ?? 'build';
const data = process.env.QUANTSCOPE_DATA ?? path.join(here, '../../../shared/data');
const model = path.join(data, 'models', 'mobilenet_v1_0.25_224.onnx');
const folder = path.join(data, 'images', 'imagenet-sample');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qscal-'));
const run = (n) => JSON.parse(execFileSync(path.join(buildDir, 'tests/bench/bench_calib'), [model, folder, String(n), tmp], { encoding: 'utf8' }));
const r500 = run(500);
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const a = readNpy(path.join(tmp, 'input.npy'));
const feeds = { input: new ort.Tensor(a.type, a.data, a.shape) };
for (let i = 0; i < 5; i++) await session.run(feeds);
// This VM's timings drift by up to 1.5x from minute to minute: each round times both sides back to back, and the
// median round is the result.
const rounds = Number(process.env.ROUNDS ?? 5);
const ratios = [];
let r100;
for (let k = 0; k < rounds; k++) {
  r100 = run(100);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) await session.run(feeds);
  const ortMs = Number(process.hrtime.bigint() - t0) / 1e6;
  ratios.push(r100.calibrate_ms / ortMs);
  console.log(`round ${k + 1}: calibration, 100 images: ${r100.calibrate_ms.toFixed(0)} ms (decoding alone ${r100.decode_ms.toFixed(0)} ms, ` +
    `inference alone ${r100.infer_ms.toFixed(0)} ms); ONNX Runtime, 100 float inferences: ${ortMs.toFixed(0)} ms; ratio ${ratios[k].toFixed(2)}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
const sorted = [...ratios].sort((x, y) => x - y);
console.log(`calibration / ONNX Runtime: median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} over ${rounds} rounds ` +
  `(${sorted[0].toFixed(2)}-${sorted[sorted.length - 1].toFixed(2)}); target 1.5`);
console.log(`peak memory: 100 images ${r100.peak_rss_mb.toFixed(1)} MB, 500 images ${r500.peak_rss_mb.toFixed(1)} MB; ratio ${(r500.peak_rss_mb / r100.peak_rss_mb).toFixed(3)}`);
