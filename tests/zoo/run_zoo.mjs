// The public model zoo (tests/zoo/models.json, fetched by tests/zoo/fetch.sh): for each model, as a new user would
// meet it, does Quantscope load it, do its float outputs match the model's own runtime (ONNX Runtime for .onnx,
// LiteRT for .tflite), does FULL_QUANT quantize its weighted operators, and how close is the int8 export to float
// when the runtime runs both?
//   node tests/zoo/run_zoo.mjs BUILD_DIR [--only id,id] [--eval N] [--ci] [--target-cosine X]
// --target-cosine X (or ZOO_TARGET=X) sets [quantscope_param] target_cosine: convert keeps the most damaging weighted
// nodes float (TFLite) or gives them int16 activations (ONNX) until the held-back calibration images reach X.
// Calibration: the first 8 images of the model's folder in ../shared/data/images (text: the first 6), sorted by
// name, that the model does not evaluate on; evaluation: the model's "eval" list (people for the pose, selfie and
// face models), else the next N (default 4; text: 6). Prints one row per model and exits 1 when a model that loads
// fails a target (float parity 1e-4, >= 90% weighted ops int8, runtime cosine >= 0.98). With --ci (CTest's
// test_zoo, on a few models) a model must load, convert, match its runtime in float, quantize >= 90% of its weighted
// ops and run in the runtime with an output cosine of at least 0.85; the 0.98 target is reported, not enforced.
// Voice-activity models (audio; their layers sit inside If branches chosen by the sample rate, which calibration and
// evaluation both cover) must load, match ONNX Runtime in float, convert, name every weighted op the export leaves
// float, quantize >= 90% of them and reach an output cosine of 0.98 (--ci: 0.9).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cosine, data } from '../bench/common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { readNpy, writeNpy, safeName } = await import('../interop/npy.mjs');
const { loadTflite } = await import('../interop/litert.mjs');
const { createRequire } = await import('node:module');
const ort = createRequire(path.join(here, '../interop/package.json'))('onnxruntime-node');

const args = process.argv.slice(2);
const build = path.resolve(args[0] ?? 'build');
const opt = (k) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
const only = opt('--only')?.split(',');
const evalCount = Number(opt('--eval') ?? 0);
const ci = args.includes('--ci');
const target = opt('--target-cosine') ?? process.env.ZOO_TARGET;
const cli = path.join(build, 'app/quantscope-cli');
const zoo = JSON.parse(fs.readFileSync(path.join(here, 'models.json'), 'utf8'));
const packages = [...new Set(zoo.models.filter((m) => !only || only.includes(m.id)).map((m) => m.package))];
const cache = execFileSync('bash', [path.join(here, 'fetch.sh'), ...packages], { encoding: 'utf8' }).trim().split('\n').pop();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'qszoo-'));
// Without VNNI, ONNX Runtime's int8 products add uint8 x int8 pairs in 16 bits, which 8-bit weights can overflow:
// ONNX exports then use [quantscope_param] reduce_range (7-bit weights), as ONNX Runtime's quantizer advises.
const vnni = /\b(avx512_vnni|avx_vnni)\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));

// more [full_quant_param] keys from ZOO_FULL (key=value;key=value), say smooth_alpha
const fullExtra = process.env.ZOO_FULL ? process.env.ZOO_FULL.split(';').map((l) => l + '\n').join('') : '';

// Quantscope's own section: 7-bit weights for ONNX Runtime without VNNI, the accuracy target when asked, and the
// keys of ZOO_QUANTSCOPE (key=value;key=value) to try a method on the zoo
function quantscopeSection(onnx) {
  const lines = [...(onnx && !vnni ? ['reduce_range=true'] : []), ...(target ? [`target_cosine=${target}`] : []),
    ...(process.env.ZOO_QUANTSCOPE ? process.env.ZOO_QUANTSCOPE.split(';') : [])];
  return lines.length ? `\n[quantscope_param]\n${lines.join('\n')}\n` : '';
}

function run(argv) {
  const r = spawnSync(cli, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? String(r.error) };
}
const firstError = (text) => (text.split('\n').find((l) => /error/.test(l)) ?? text.trim().split('\n').pop() ?? '')
  .replaceAll(cache + '/', '').slice(0, 200);

// A runtime session for a model file: run(map name -> {type, data, shape}) -> [{name, data}] in output order.
async function runtime(file) {
  if (file.endsWith('.tflite')) {
    const m = await loadTflite(file, 2);
    return { names: m.outputs.map((o) => o.name), run: async (arrays) => (await m.run(arrays.map((a) => a.data))).map((o, i) => ({ name: m.outputs[i].name, data: o.data })) };
  }
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  return {
    names: s.outputNames,
    run: async (arrays) => {
      const feeds = {};
      s.inputNames.forEach((n, i) => { feeds[n] = new ort.Tensor(arrays[i].type, arrays[i].data, arrays[i].shape); });
      const r = await s.run(feeds);
      return s.outputNames.map((n) => ({ name: n, data: r[n].data }));
    },
  };
}

function relError(a, b) {
  let d = 0, m = 0;
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= d)) d = e;  // NaN propagates
    m = Math.max(m, Math.abs(b[i]));
  }
  return a.length !== b.length ? NaN : d / Math.max(m, 1e-12);
}

// Voice-activity models: 16 kHz windows of recorded speech (alsa-utils' clips; $QUANTSCOPE_SOUNDS overrides the
// folder), each window with the samples before it as context; the model's state outputs feed its state inputs.
const sounds = process.env.QUANTSCOPE_SOUNDS ?? '/usr/share/sounds/alsa';
const calibClips = ['Front_Left.wav', 'Front_Right.wav'];
const evalClips = ['Front_Center.wav', 'Rear_Center.wav'];

// return the first channel of a 16-bit PCM WAV file, resampled to rate by linear interpolation, in [-1, 1)
function readWav(file, rate) {
  const b = fs.readFileSync(file);
  let fmt = null, pcm = null;
  for (let at = 12; at + 8 <= b.length;) {
    const id = b.toString('latin1', at, at + 4), size = b.readUInt32LE(at + 4);
    if (id === 'fmt ') fmt = { channels: b.readUInt16LE(at + 10), rate: b.readUInt32LE(at + 12), bits: b.readUInt16LE(at + 22) };
    if (id === 'data') pcm = b.subarray(at + 8, Math.min(b.length, at + 8 + size));
    at += 8 + size + (size % 2);
  }
  if (!fmt || !pcm || fmt.bits !== 16) throw new Error(`${file}: not a 16-bit PCM WAV file`);
  const frames = Math.floor(pcm.length / (2 * fmt.channels));
  const n = Math.floor(frames * rate / fmt.rate), out = new Float32Array(n);
  const at = (i) => pcm.readInt16LE(2 * fmt.channels * Math.min(i, frames - 1)) / 32768;
  for (let i = 0; i < n; i++) {
    const x = i * fmt.rate / rate, i0 = Math.floor(x);
    out[i] = at(i0) + (x - i0) * (at(i0 + 1) - at(i0));
  }
  return out;
}

// return the model inputs of every window of the clips, the state carried by the float model in ONNX Runtime:
// [{name -> {type, data, shape}}] per window, and the float outputs of each
async function audioWindows(file, graph, a, clips) {
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  const dims = (shape) => shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
  const states = graph.inputs.filter((i) => i.dtype === 'float32' && i.shape.length === 3);
  const steps = [];
  for (const [rate, [window, context]] of Object.entries(a.rates).map(([r, w]) => [Number(r), w])) for (const clip of clips) {
    const audio = readWav(path.join(sounds, clip), rate);
    let state = Object.fromEntries(states.map((i) => [i.name, new Float32Array(dims(i.shape).reduce((x, y) => x * y, 1))]));
    for (let at = context; at + window <= audio.length; at += window) {
      const feeds = {};
      for (const i of graph.inputs) {
        if (i.dtype === 'int64') feeds[i.name] = { type: 'int64', data: BigInt64Array.from([BigInt(rate)]), shape: [] };
        else if (state[i.name]) feeds[i.name] = { type: 'float32', data: state[i.name], shape: dims(i.shape) };
        else feeds[i.name] = { type: 'float32', data: audio.slice(at - context, at + window), shape: [1, context + window] };
      }
      const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.shape)])));
      steps.push({ feeds, first: at === context, outputs: s.outputNames.map((n) => ({ name: n, data: r[n].data })) });
      state = Object.fromEntries(states.map((i, k) => [i.name, r[s.outputNames[1 + k]].data]));
    }
  }
  return steps;
}

// One voice-activity model: float parity on the evaluation windows, FULL_QUANT calibrated on raw .bin windows, and the
// export's first output (the speech probability) against float in ONNX Runtime, its own state carried. return pass.
async function audioModel(m, file, graph, row) {
  const dir = path.join(work, m.id);
  const calib = await audioWindows(file, graph, m.audio, calibClips);
  const evalSteps = await audioWindows(file, graph, m.audio, evalClips);
  // float parity: Quantscope's outputs over every evaluation window together against ONNX Runtime's
  const mine = new Map(), ref = new Map();
  for (const [k, step] of evalSteps.entries()) {
    const args = ['run', file, '--output-dir', path.join(dir, `run${k}`)];
    for (const [name, t] of Object.entries(step.feeds)) {
      const f = path.join(dir, `in${k}_${safeName(name)}.npy`);
      fs.mkdirSync(dir, { recursive: true });
      writeNpy(f, t.type, t.shape, t.data);
      args.push('--input', `${name}=${f}`);
    }
    const r = run(args);
    if (r.code !== 0) { row.note = 'run fails: ' + firstError(r.err); return false; }
    const outs = JSON.parse(r.out).outputs;
    for (const o of step.outputs) {
      const got = readNpy(outs.find((e) => e.name === o.name).file).data;
      if (!mine.has(o.name)) { mine.set(o.name, []); ref.set(o.name, []); }
      mine.get(o.name).push(...(got.length === o.data.length ? got : [NaN]));
      ref.get(o.name).push(...o.data);
    }
  }
  row.parity = Math.max(...[...ref.keys()].map((n) => relError(mine.get(n), ref.get(n))));
  // calibration: one folder of .bin files per input, the windows in order
  for (const [k, step] of calib.entries())
    for (const [name, t] of Object.entries(step.feeds)) {
      fs.mkdirSync(path.join(dir, 'calib', safeName(name)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'calib', safeName(name), `w${String(k).padStart(3, '0')}.bin`), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  const names = Object.keys(calib[0].feeds);
  const ini = path.join(dir, 'full.ini');
  fs.writeFileSync(ini, `[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n\n[data_preprocess_param]\n` +
    `calibrate_path=${names.map((n) => `${n}:${path.join(dir, 'calib', safeName(n))}`).join(',')}\ncalibrate_size=${calib.length}\ninput_type=BIN\n\n` +
    `[full_quant_param]\nactivation_quant_method=${process.env.ZOO_METHOD ?? 'MAX_MIN'}\nper_channel=true\nbias_correction=${process.env.ZOO_BIAS ?? 'true'}\n${fullExtra}` + quantscopeSection(true));
  // the windows' shapes, -1 where they differ between rates (the .bin files' sizes give it then)
  const dimsOf = (n) => calib[0].feeds[n].shape.map((d, k) => (calib.every((c) => c.feeds[n].shape[k] === d) ? d : -1));
  const shapes = names.filter((n) => calib[0].feeds[n].shape.length).map((n) => `${n}:${dimsOf(n).join(',')}`).join(';');
  const quantized = path.join(dir, 'int8.onnx');
  const t0 = process.hrtime.bigint();
  const conv = run(['convert', '--fmk=ONNX', `--modelFile=${file}`, `--outputFile=${quantized}`, `--configFile=${ini}`, `--inputShape=${shapes}`]);
  row.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (conv.code !== 0) { row.note = 'convert fails: ' + firstError(conv.err); return false; }
  const summary = JSON.parse(conv.out.trim().split('\n').pop());
  row.weighted = summary.weighted_ops;
  row.int8 = summary.quantized_weighted_ops;
  row.size = fs.statSync(quantized).size / fs.statSync(file).size;
  // every weighted op the export leaves float must be named: in the warning (and the JSON line), or in
  // skip_quant_node (the zoo skips nothing itself; a target_cosine search writes its choice there)
  const named = (summary.unexpected_float_ops ?? []).length + (summary.chosen_float_ops ?? 0);
  const silent = row.weighted - row.int8 - named;
  const q = await ort.InferenceSession.create(quantized, { intraOpNumThreads: 2 });
  const qs = [], fl = [];
  let state = null;
  for (const step of evalSteps) {
    const feeds = Object.fromEntries(Object.entries(step.feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.shape)]));
    const stateInputs = Object.keys(step.feeds).filter((k) => step.feeds[k].shape.length === 3);
    if (step.first) state = null;
    if (state) stateInputs.forEach((k, i) => { feeds[k] = new ort.Tensor('float32', state[i], step.feeds[k].shape); });
    const r = await q.run(feeds);
    qs.push(...r[q.outputNames[0]].data);
    fl.push(...step.outputs[0].data);
    state = q.outputNames.slice(1).map((n) => r[n].data);
  }
  row.cosine = row.cosineMin = cosine(qs, fl);
  const miss = [];
  if (!(row.parity <= 1e-4)) miss.push('float parity');
  if (silent !== 0) miss.push(`${silent} float weighted ops not named in the warning`);
  if (!(row.int8 >= 0.9 * row.weighted)) miss.push('< 90% weighted ops int8');
  if (!(row.cosine >= (ci ? 0.9 : 0.98))) miss.push(`cosine < ${ci ? 0.9 : 0.98}`);
  row.note = `${evalSteps.length} speech windows` + (row.int8 < row.weighted ? `; ${row.weighted - row.int8} weighted ops stay float, named` : '');
  if (miss.length) row.note += '; misses: ' + miss.join(', ');
  return miss.length === 0;
}

const rows = [];
let failed = 0;
for (const m of zoo.models) {
  if (only && !only.includes(m.id)) continue;
  const file = path.join(cache, m.package, m.file);
  const row = { id: m.id, format: m.file.endsWith('.onnx') ? 'ONNX' : 'TFLite', license: m.license, note: '' };
  rows.push(row);
  const info = run(['inspect', file, '--json']);
  if (info.code !== 0) { row.note = 'does not load: ' + firstError(info.err); failed += ci ? 1 : 0; continue; }
  row.loads = true;
  const graph = JSON.parse(info.out);
  if (m.audio) { failed += await audioModel(m, file, graph, row) ? 0 : 1; continue; }
  const input = graph.inputs[0].name;
  const folder = path.join(data, 'images', m.images);
  // Evaluation: the model's own list (people for the pose, selfie and face models), else the images after the
  // calibration ones; calibration: the first images of the folder that are not evaluated.
  const images = fs.readdirSync(folder).filter((f) => /\.(jpe?g|png|bmp)$/i.test(f)).sort();
  const nCalib = m.images === 'text' ? 6 : 8;
  const calibImages = images.filter((f) => !(m.eval ?? []).includes(f)).slice(0, nCalib);
  const evalImages = m.eval ?? images.filter((f) => !calibImages.includes(f)).slice(0, evalCount || (m.images === 'text' ? 6 : 4));
  const calibDir = path.join(work, m.id, 'calib');
  fs.mkdirSync(calibDir, { recursive: true });
  for (const f of calibImages) fs.symlinkSync(path.join(folder, f), path.join(calibDir, f));
  const [w, h] = m.input.size;
  const pre = { format: 'RGB', mean: m.input.mean, std: m.input.std };
  const ini = path.join(work, m.id, 'full.ini');
  fs.writeFileSync(ini, `[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n\n[data_preprocess_param]\ncalibrate_path=${input}:${calibDir}\n` +
    `calibrate_size=${nCalib}\ninput_type=IMAGE\nimage_to_format=RGB\nnormalize_mean=[${pre.mean}, ${pre.mean}, ${pre.mean}]\n` +
    `normalize_std=[${pre.std}, ${pre.std}, ${pre.std}]\nresize_width=${w}\nresize_height=${h}\n\n[full_quant_param]\n` +
    `activation_quant_method=${process.env.ZOO_METHOD ?? 'MAX_MIN'}\nper_channel=true\nbias_correction=${process.env.ZOO_BIAS ?? 'true'}\n${fullExtra}` +
    quantscopeSection(row.format === 'ONNX'));
  const quantized = path.join(work, m.id, 'int8' + path.extname(m.file));
  const t0 = process.hrtime.bigint();
  const conv = run(['convert', `--fmk=${row.format === 'ONNX' ? 'ONNX' : 'TFLITE'}`, `--modelFile=${file}`, `--outputFile=${quantized}`, `--configFile=${ini}`]);
  row.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (conv.code !== 0) { row.note = 'convert fails: ' + firstError(conv.err); failed++; continue; }
  const summary = JSON.parse(conv.out.trim().split('\n').pop());
  row.weighted = summary.weighted_ops;
  row.int8 = summary.quantized_weighted_ops;
  row.size = fs.statSync(quantized).size / fs.statSync(file).size;
  const float = await runtime(file);
  const quant = await runtime(quantized);
  // Cosine per output over all evaluation images together (a [1, 1] score alone has no direction), then the mean and
  // the minimum over the outputs.
  let parity = 0;
  const perOutput = new Map();  // output name -> { q: [], f: [] }
  for (const img of evalImages) {
    const dir = path.join(work, m.id, 'run_' + img);
    const r = run(['run', file, '--input', `${input}=${path.join(folder, img)}`, '--format=RGB', `--mean=${pre.mean}`, `--std=${pre.std}`,
      `--resize=${w}x${h}`, '--save-inputs', '--output-dir', dir]);
    if (r.code !== 0) { row.note = 'run fails: ' + firstError(r.err); parity = NaN; break; }
    const outs = JSON.parse(r.out).outputs;
    const x = readNpy(path.join(dir, fs.readdirSync(dir).find((f) => f.startsWith('input_'))));
    const yf = await float.run([x]);
    const yq = await quant.run([x]);
    for (let o = 0; o < yf.length; o++) {
      const mine = outs.find((e) => e.name === yf[o].name) ?? outs[o];
      const err = relError(readNpy(mine.file).data, yf[o].data);
      if (process.env.ZOO_VERBOSE) console.error(`${m.id} ${img}: ${yf[o].name}: float max rel. error ${err.toExponential(2)}`);
      parity = Number.isNaN(err) || Number.isNaN(parity) ? NaN : Math.max(parity, err);
      const q = yq.find((e) => e.name === yf[o].name) ?? yq[o];
      if (!perOutput.has(yf[o].name)) perOutput.set(yf[o].name, { q: [], f: [] });
      const acc = perOutput.get(yf[o].name);
      for (let i = 0; i < q.data.length; i++) { acc.q.push(q.data[i]); acc.f.push(yf[o].data[i]); }
    }
  }
  row.parity = parity;
  const cosines = [...perOutput].map(([name, v]) => [name, cosine(v.q, v.f)]);
  if (process.env.ZOO_VERBOSE) for (const [name, c] of cosines) console.error(`${m.id}: ${name}: cosine ${c.toFixed(5)}`);
  row.cosine = cosines.length ? cosines.reduce((a, [, c]) => a + c, 0) / cosines.length : NaN;
  row.cosineMin = cosines.length ? Math.min(...cosines.map(([, c]) => c)) : NaN;
  const miss = [];
  if (!(row.parity <= 1e-4)) miss.push('float parity');
  if (!(row.int8 >= 0.9 * row.weighted)) miss.push('< 90% weighted ops int8');
  if (!(row.cosine >= (ci ? 0.85 : 0.98))) miss.push(`cosine < ${ci ? 0.85 : 0.98}`);
  else if (!(row.cosine >= 0.98)) row.note = (row.note ? row.note + '; ' : '') + 'below the 0.98 target';
  if (miss.length) { failed++; row.note = (row.note ? row.note + '; ' : '') + 'misses: ' + miss.join(', '); }
}
if (process.env.ZOO_KEEP) console.error(`kept ${work}`); else fs.rmSync(work, { recursive: true, force: true });

const pct = (r) => (r.weighted ? `${r.int8}/${r.weighted}` : '-');
const num = (v, d) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
const exp = (v) => (v === undefined ? '-' : Number.isNaN(v) ? 'NaN' : v.toExponential(1));
console.log('| model | format | license | loads | float vs runtime (max rel. err.) | weighted ops int8 | int8 size / input | runtime cosine mean (min) | convert s | note |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(`| ${r.id} | ${r.format} | ${r.license} | ${r.loads ? 'yes' : 'no'} | ${exp(r.parity)} | ${pct(r)} | ${num(r.size, 2)} | ` +
    `${num(r.cosine, 4)} (${num(r.cosineMin, 4)}) | ${num(r.seconds, 1)} | ${r.note} |`);
const loaded = rows.filter((r) => r.loads).length;
console.log(`\n${loaded} of ${rows.length} models load; ${rows.length - failed - (rows.length - loaded)} of ${loaded} that load meet every target`);
console.log(`${rows.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
