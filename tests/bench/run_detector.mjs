// Full int8 on the text detector, measured in ONNX Runtime: ppocr_v4_det at 640x640, calibrated on images 1-6 of
// images/text (sorted by name), evaluated on images 7-12; per image the text-mask IoU (probability > 0.3, DB's
// threshold) and the output cosine of the int8 export against float.
// Usage: [SPLIT=first|last|odd|even] [METHODS=MAX_MIN,KL,...] node tests/bench/run_detector.mjs BUILD_DIR [EXTRA_INI_LINES...]
// (e.g. "[quantscope_param]" "reduce_range=true")
import fs from 'node:fs';
import path from 'node:path';
import { data, evaluate, fmt } from './common.mjs';

const buildDir = process.argv[2] ?? 'build';
const extra = process.argv.slice(3).join('\n');
const folder = path.join(data, 'images', 'text');
const images = fs.readdirSync(folder).filter((f) => /\.(jpg|png)$/i.test(f)).sort();
if (images.length !== 12) throw new Error(`expected 12 images in ${folder}, found ${images.length}`);
const m = { file: 'ppocr_v4_det.onnx', folder: 'text', prep: 'ppocr_v4_det.onnx@640x640' };
// SPLIT: which six images calibrate (the other six are evaluated): first (default, images 1-6), last, odd, even
const split = process.env.SPLIT ?? 'first';
const halves = { first: (i) => i < 6, last: (i) => i >= 6, odd: (i) => i % 2 === 0, even: (i) => i % 2 === 1 };
if (!halves[split]) throw new Error(`SPLIT=${split}: expected first, last, odd or even`);
const calib = images.filter((_, i) => halves[split](i)), evalImages = images.filter((_, i) => !halves[split](i));

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
