// Full int8 accuracy, measured in ONNX Runtime (.onnx) and LiteRT (.tflite): calibrate on calib.txt (100 images),
// quantize with each setting, run the exported model on eval.txt, and print top-1, top-1 agreement with float, and
// output cosine. Usage: node tests/bench/run_accuracy.mjs BUILD_DIR [MODEL_FILTER]
// Each setting's values can be narrowed by comma lists in the environment: METHODS (MAX_MIN,KL,REMOVAL_OUTLIER),
// PER_CHANNEL, BIAS_CORRECTION and CLE ([quantscope_param] cross_layer_equalization), each true,false by default,
// ROUND_TYPE (ROUND,ADAROUND), WEIGHT_BITS ([quantscope_param] weight_bits, 8 by default) and SMOOTH (false by
// default; true: [full_quant_param] smooth_alpha=0.5 with enable_smooth_shift) and AE ([quantscope_param]
// activation_equalization, true by default as in the schema). EXTRA: more [quantscope_param] lines, ';'-separated
// (e.g. EXTRA="node_weight_bits=Conv_0:8,Conv_55:8").
// ONNX exports get [quantscope_param] reduce_range=true on CPUs without VNNI, where ONNX Runtime's int8 products can
// overflow with 8-bit weights (REDUCE_RANGE=true|false overrides).
import fs from 'node:fs';
import path from 'node:path';
import { data, evaluate, fmt } from './common.mjs';

const buildDir = process.argv[2] ?? 'build';
const filter = process.argv[3] ?? '';
const models = [
  { file: 'mobilenet_v1_0.25_224.onnx', folder: 'imagenet-sample', column: 3, prep: 'imagenet' },
  { file: 'resnet8_cifar10.onnx', folder: 'cifar10', column: 2, prep: 'cifar' },
  { file: 'mobilenet_v1_0.25_224.tflite', folder: 'imagenet-sample', column: 3, prep: 'imagenet' },
  { file: 'resnet8_cifar10.tflite', folder: 'cifar10', column: 2, prep: 'cifar' },
  // no labels: agreement with float and cosine, calibrated on the first 10 photos (sorted), evaluated on the other 9
  { file: 'vww_96.onnx', folder: 'photos', prep: 'vww_96.onnx', split: 10 },
].filter((m) => m.file.includes(filter));

const vnni = / (avx512_vnni|avx_vnni)/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
const reduceRange = (file) => process.env.REDUCE_RANGE ?? String(file.endsWith('.onnx') && !vnni);
const photos = fs.readdirSync(path.join(data, 'images', 'photos')).filter((f) => /\.(jpg|bmp|png)$/.test(f)).sort();
const optsFor = (m) => (m.split ? { calib: photos.slice(0, m.split), eval: photos.slice(m.split) } : {});
const values = (name, all) => (process.env[name] ? process.env[name].split(',') : all);
console.log('model                        method           per-ch bias-c cle    round    wb smooth ae    images  float%  int8%(RT)   sim%   agree%  cosine    size');
for (const m of models)
  for (const method of values('METHODS', ['MAX_MIN', 'KL', 'REMOVAL_OUTLIER']))
    for (const perChannel of values('PER_CHANNEL', ['true', 'false']))
      for (const biasCorrection of values('BIAS_CORRECTION', ['true', 'false']))
        for (const cle of values('CLE', ['false', 'true']))
        for (const roundType of values('ROUND_TYPE', ['ROUND', 'ADAROUND']))
        for (const bits of values('WEIGHT_BITS', ['8']))
        for (const smooth of values('SMOOTH', ['false']))
        for (const ae of values('AE', ['true'])) {
          const r = await evaluate(buildDir, m, `[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n[full_quant_param]\n` +
            `activation_quant_method=${method}\nper_channel=${perChannel}\nbias_correction=${biasCorrection}\n` +
            (smooth === 'true' ? 'smooth_alpha=0.5\nenable_smooth_shift=true\n' : '') +
            `[quantscope_param]\ncross_layer_equalization=${cle}\nreduce_range=${reduceRange(m.file)}\n` +
            `round_type=${roundType}\nweight_bits=${bits}\nactivation_equalization=${ae}\n${(process.env.EXTRA ?? "").split(";").join("\n")}\n`, optsFor(m));
          console.log(`${m.file.padEnd(28)} ${method.padEnd(16)} ${perChannel.padEnd(6)} ${biasCorrection.padEnd(6)} ${cle.padEnd(6)} ${roundType.padEnd(8)} ${bits.padStart(2)} ${smooth.padEnd(6)} ${ae.padEnd(5)} ` +
            `${String(r.images).padStart(6)}${fmt(r.float_top1, 8)} ${fmt(r.top1, 10)} ${fmt(r.sim_top1, 6)} ${fmt(r.agreement, 7)} ` +
            `${fmt(r.cosine, 8, 5)} ${fmt(r.size_ratio, 6)}x`);
        }
