// Full int8 on the text detector, measured in ONNX Runtime: ppocr_v4_det at 640x640, calibrated on images 1-6 of
// images/text (sorted by name), evaluated on images 7-12; per image the text-mask IoU (probability > 0.3, DB's
// threshold) and the output cosine of the int8 export against float.
// Usage: node tests/bench/run_detector.mjs BUILD_DIR [EXTRA_INI_LINES...]  (e.g. "[quantscope_param]" "reduce_range=true")
import fs from 'node:fs';
import path from 'node:path';
import { data, evaluate, fmt } from './common.mjs';

const buildDir = process.argv[2] ?? 'build';
const extra = process.argv.slice(3).join('\n');
const folder = path.join(data, 'images', 'text');
const images = fs.readdirSync(folder).filter((f) => /\.(jpg|png)$/i.test(f)).sort();
if (images.length !== 12) throw new Error(`expected 12 images in ${folder}, found ${images.length}`);
const m = { file: 'ppocr_v4_det.onnx', folder: 'text', prep: 'ppocr_v4_det.onnx@640x640' };
const calib = images.slice(0, 6), evalImages = images.slice(6);

console.log(`calibration: ${calib.join(' ')}`);
console.log('method           per-ch bias-c  mean IoU  min IoU  mean cos  min cos  per-image IoU');
for (const method of (process.env.METHODS ?? 'MAX_MIN,KL,REMOVAL_OUTLIER').split(','))
  for (const perChannel of ['true'])
    for (const biasCorrection of ['true', 'false']) {
      const r = await evaluate(buildDir, m, `[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n[full_quant_param]\n` +
        `activation_quant_method=${method}\nper_channel=${perChannel}\nbias_correction=${biasCorrection}\n${extra}\n`,
        { calib, eval: evalImages, maskThreshold: 0.3 });
      const ious = r.perImage.map((p) => p.iou), cos = r.perImage.map((p) => p.cosine).filter((c) => !Number.isNaN(c));
      const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
      console.log(`${method.padEnd(16)} ${perChannel.padEnd(6)} ${biasCorrection.padEnd(6)}${fmt(mean(ious), 9, 3)}${fmt(Math.min(...ious), 9, 3)}` +
        `${fmt(mean(cos), 10, 4)}${fmt(Math.min(...cos), 9, 4)}  ${r.perImage.map((p) => `${p.iou.toFixed(2)}/${p.cosine.toFixed(3)}`).join(" ")}`);
    }
