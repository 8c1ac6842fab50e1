// Weight and dynamic quantization, measured in ONNX Runtime (.onnx) and LiteRT (.tflite): for each model, fixed
// bits 2/4/6/8/16, mixed bits (init_scale 0.02 and auto_tune) and dynamic ALWC/ACWL, the exported file size relative
// to float, the mean output cosine against float on the eval images (runtime, and Quantscope's own simulation),
// and top-1 where the model classifies. Usage: node tests/bench/run_weight_table.mjs BUILD_DIR [MODEL_FILTER]
import { evaluate, fmt } from './common.mjs';

const buildDir = process.argv[2] ?? 'build';
const filter = process.argv[3] ?? '';
const models = [
  { file: 'mobilenet_v1_0.25_224.onnx', folder: 'imagenet-sample', column: 3, prep: 'imagenet' },
  { file: 'mobilenet_v1_0.25_224.tflite', folder: 'imagenet-sample', column: 3, prep: 'imagenet' },
  { file: 'resnet8_cifar10.onnx', folder: 'cifar10', column: 2, prep: 'cifar' },
  { file: 'ppocr_mobile_v2_cls.onnx', folder: 'text', prep: 'ppocr_mobile_v2_cls.onnx' },
  { file: 'ppocr_v4_det.onnx', folder: 'text', prep: 'ppocr_v4_det.onnx' },
  { file: 'ultraface_rfb_320.onnx', folder: 'photos', prep: 'ultraface_rfb_320.onnx' },
].filter((m) => m.file.includes(filter));

const weight = (bits, extra = '') => `[common_quant_param]\nquant_type=WEIGHT_QUANT\nbit_num=${bits}\nmin_quant_weight_size=0\n` +
  `min_quant_weight_channel=0\n${extra}`;  // every weighted layer, to compare widths
const settings = [
  ...[2, 4, 6, 8, 16].map((b) => [`weight ${b} bit`, weight(b)]),
  ['weight 8 bit + data', weight(8), { calibrate: true }],
  ['mixed init_scale=0.02', weight(0, '[mixed_bit_weight_quant_param]\ninit_scale=0.02\n')],
  ['mixed auto_tune', weight(0, '[mixed_bit_weight_quant_param]\nauto_tune=true\n')],
  ['dynamic ALWC', '[common_quant_param]\nquant_type=DYNAMIC_QUANT\n[dynamic_quant_param]\nquant_strategy=ALWC\n'],
  ['dynamic ACWL', '[common_quant_param]\nquant_type=DYNAMIC_QUANT\n[dynamic_quant_param]\nquant_strategy=ACWL\n'],
  ['dynamic ALWC + data', '[common_quant_param]\nquant_type=DYNAMIC_QUANT\n[dynamic_quant_param]\nquant_strategy=ALWC\n', { calibrate: true }],
];

console.log('model                        setting                 images  size   cosine(RT) cosine(sim)  |diff|   float%  top1%  init_scale');
for (const m of models)
  for (const [name, ini, opts] of settings) {
    if (name.startsWith('dynamic ACWL') && m.file.endsWith('.tflite')) continue;  // TFLite's hybrid kernels quantize per batch
    const r = await evaluate(buildDir, m, ini, opts);
    console.log(`${m.file.padEnd(28)} ${name.padEnd(22)} ${String(r.images).padStart(6)} ${fmt(r.size_ratio, 5)}x ${fmt(r.cosine, 10, 5)} ` +
      `${fmt(r.sim_cosine, 11, 5)} ${fmt(Math.abs(r.cosine - r.sim_cosine), 8, 5)} ${fmt(r.float_top1, 7)} ${fmt(r.top1, 6)}  ` +
      `${r.init_scale > 0 ? r.init_scale.toFixed(4) : '-'}${r.empty ? `  (${r.empty} image(s) with an empty output left out of the cosine)` : ''}`);
  }
