// Calibration speed and memory: Quantscope's statistics pass over 100 real images (1 thread, decoding included)
// relative to 100 float inferences of the same model in ONNX Runtime (1 thread), in the same run; and peak memory
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
const r100 = run(100);
const r500 = run(500);
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const a = readNpy(path.join(tmp, 'input.npy'));
const feeds = { input: new ort.Tensor(a.type, a.data, a.shape) };
for (let i = 0; i < 5; i++) await session.run(feeds);
const t0 = process.hrtime.bigint();
for (let i = 0; i < 100; i++) await session.run(feeds);
const ortMs = Number(process.hrtime.bigint() - t0) / 1e6;
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`calibration, 100 images: ${r100.calibrate_ms.toFixed(0)} ms; ONNX Runtime, 100 float inferences: ${ortMs.toFixed(0)} ms; ratio ${(r100.calibrate_ms / ortMs).toFixed(2)}`);
console.log(`peak memory: 100 images ${r100.peak_rss_mb.toFixed(1)} MB, 500 images ${r500.peak_rss_mb.toFixed(1)} MB; ratio ${(r500.peak_rss_mb / r100.peak_rss_mb).toFixed(3)}`);
