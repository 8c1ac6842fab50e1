// Runs a .tflite model in LiteRT: node litert_run.mjs MODEL OUTDIR NAME=FILE.npy ...
// Writes OUTDIR/<output name>.npy for every output (names sanitised as quantscope-cli does).
import path from 'node:path';
import { loadTflite } from './litert.mjs';
import { readNpy, writeNpy, safeName } from './npy.mjs';

const [model, outDir, ...specs] = process.argv.slice(2);
const feeds = {};
for (const spec of specs) {
  const eq = spec.indexOf('=');
  feeds[spec.slice(0, eq)] = readNpy(spec.slice(eq + 1));
}
const m = await loadTflite(model);
const arrays = m.inputs.map((d) => {
  const a = feeds[d.name] ?? (specs.length === 1 ? Object.values(feeds)[0] : undefined);
  if (!a) throw new Error(`${model}: no .npy given for input '${d.name}'`);
  return a.data;
});
const results = await m.run(arrays);
m.outputs.forEach((d, i) => {
  const { data, shape } = results[i];
  const type = data instanceof Float32Array ? 'float32' : data instanceof Int8Array ? 'int8'
    : data instanceof Int32Array ? 'int32' : data instanceof Uint8Array ? 'uint8' : 'float32';
  writeNpy(path.join(outDir, `${safeName(d.name)}.npy`), type, shape, data);
});
m.close();
