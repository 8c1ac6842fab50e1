// LiteRT (npm @litertjs/core, its WebAssembly CPU backend with XNNPACK) for Node: loadTflite(path) -> { inputs,
// outputs, run(arrays) }. The interop tests and the accuracy benchmark run exported .tflite files through it.
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

const litert = await import('@litertjs/core');
let loaded = null;

// return { inputs: [{name, shape}], outputs: [{name}], run(arrays: TypedArray[]) -> Promise<TypedArray[]>, close() }
export async function loadTflite(model, threads = 1) {
  if (!loaded) {
    const wasmDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@litertjs/core')), '..', 'wasm');
    loaded = litert.loadLiteRt(wasmDir + '/');
  }
  await loaded;
  const compiled = await litert.loadAndCompile(new Uint8Array(fs.readFileSync(model)), {
    accelerator: 'wasm', cpuOptions: { numThreads: threads },
  });
  const inputs = compiled.getInputDetails().map((d) => ({ name: d.name, shape: [...d.shape] }));
  const outputs = compiled.getOutputDetails().map((d) => ({ name: d.name }));
  return {
    inputs, outputs,
    async run(arrays) {
      const tensors = arrays.map((a, i) => new litert.Tensor(a, inputs[i].shape));
      const results = await compiled.run(tensors);
      const data = results.map((t) => ({ data: t.toTypedArray().slice(), shape: [...t.type.layout.dimensions] }));
      results.forEach((t) => t.delete());
      tensors.forEach((t) => t.delete());
      return data;
    },
    close() { compiled.delete(); },
  };
}
