// Full int8 accuracy, measured in ONNX Runtime (.onnx) and LiteRT (.tflite): calibrate on calib.txt (100 images),
// quantize with each setting, run the exported model on eval.txt, and print top-1, top-1 agreement with float, and
// output cosine. Usage: node tests/bench/run_accuracy.mjs BUILD_DIR [MODEL_FILTER]
import { evaluate, fmt } from './common.mjs';

const buildDir = process.argv[2] ?? 'build';
const filter = process.argv[3] ?? '';
const models = [
  { file: 'mobilenet_v1_0.25_224.onnx', folder: 'imagenet-sample', column: 3, prep: 'imagenet' },
  { file: 'resnet8_cifar10.onnx', folder: 'cifar10', column: 2, prep: 'cifar' },
  { file: 'mobilenet_v1_0.25_224.tflite', folder: 'imagenet-sample', column: 3, prep: 'imagenet' },
  { file: 'resnet8_cifar10.tflite', folder: 'cifar10', column: 2, prep: 'cifar' },
].filter((m) => m.file.includes(filter));

console.log('model                        method           per-ch bias-c  images  float%  int8%(RT)   sim%   agree%  cosine    size');
for (const m of models)
  for (const method of ['MAX_MIN', 'KL', 'REMOVAL_OUTLIER'])
    for (const perChannel of ['true', 'false'])
      for (const biasCorrection of ['true', 'false']) {
        const r = await evaluate(buildDir, m, `[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n[full_quant_param]\n` +
          `activation_quant_method=${method}\nper_channel=${perChannel}\nbias_correction=${biasCorrection}\n`);
        console.log(`${m.file.padEnd(28)} ${method.padEnd(16)} ${perChannel.padEnd(6)} ${biasCorrection.padEnd(6)} ${String(r.images).padStart(6)}` +
          `${fmt(r.float_top1, 8)} ${fmt(r.top1, 10)} ${fmt(r.sim_top1, 6)} ${fmt(r.agreement, 7)} ${fmt(r.cosine, 8, 5)} ${fmt(r.size_ratio, 6)}x`);
      }
