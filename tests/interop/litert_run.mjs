// Runs a .tflite model in LiteRT (npm @litertjs/core, its WebAssembly CPU backend):
//   node litert_run.mjs MODEL OUTDIR NAME=FILE.npy ...
// Writes OUTDIR/<output name>.npy for every output (names sanitised as quantscope-cli does).
//
// @litertjs/core targets browsers. In Node it needs three small shims:
// - `self`: the loader keeps its module factory on the global object;
// - `importScripts`: the loader's way of running the Emscripten glue script; here the glue runs as the CommonJS
//   script it also is (Node's module wrapper), so Emscripten takes its Node path and reads the .wasm with fs;
// - `navigator`: only looked at for WebGPU and WebNN, which stay off (CPU only).
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { readNpy, writeNpy, safeName } from './npy.mjs';

globalThis.self = globalThis;
globalThis.navigator ??= {};
globalThis.importScripts = (file) => {
  const filename = file.startsWith('file:') ? new URL(file).pathname : file;
  const wrapper = vm.runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(filename, 'utf8')}\n})`,
    { filename });
  const module = { exports: {} };
  wrapper(module.exports, createRequire(filename), module, filename, path.dirname(filename));
  globalThis.ModuleFactory = module.exports;
};

const { loadLiteRt, loadAndCompile, Tensor } = await import('@litertjs/core');

const [model, outDir, ...specs] = process.argv.slice(2);
const wasmDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@litertjs/core')), '..', 'wasm');
await loadLiteRt(wasmDir + '/');
const compiled = await loadAndCompile(new Uint8Array(fs.readFileSync(model)), {
  accelerator: 'wasm', cpuOptions: { numThreads: 1 },
});

const feeds = {};
for (const spec of specs) {
  const eq = spec.indexOf('=');
  const a = readNpy(spec.slice(eq + 1));
  feeds[spec.slice(0, eq)] = a;
}
const inputs = compiled.getInputDetails().map((d) => {
  const a = feeds[d.name] ?? (specs.length === 1 ? Object.values(feeds)[0] : undefined);
  if (!a) throw new Error(`${model}: no .npy given for input '${d.name}'`);
  return new Tensor(a.data, a.shape);
});
const outputs = await compiled.run(inputs);
compiled.getOutputDetails().forEach((d, i) => {
  const t = outputs[i];
  const data = t.toTypedArray();
  const type = data instanceof Float32Array ? 'float32' : data instanceof Int8Array ? 'int8'
    : data instanceof Int32Array ? 'int32' : data instanceof Uint8Array ? 'uint8' : 'float32';
  writeNpy(path.join(outDir, `${safeName(d.name)}.npy`), type, [...t.type.layout.dimensions], data);
  t.delete();
});
inputs.forEach((t) => t.delete());
compiled.delete();
