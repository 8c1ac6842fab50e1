// Runs an ONNX model in ONNX Runtime: node ort_run.mjs MODEL OUTDIR NAME=FILE.npy ...
// Writes OUTDIR/<output name>.npy for every output (names sanitised as quantscope-cli does).
// With ORT_OPTIMIZED_MODEL=PATH, also saves the graph as ONNX Runtime optimised it (to see which nodes it fused).
import path from 'node:path';
import ort from 'onnxruntime-node';
import { readNpy, writeNpy, safeName } from './npy.mjs';

const [model, outDir, ...specs] = process.argv.slice(2);
const options = { intraOpNumThreads: 1, interOpNumThreads: 1 };
if (process.env.ORT_OPTIMIZED_MODEL) options.optimizedModelFilePath = process.env.ORT_OPTIMIZED_MODEL;
// ORT_OPT_LEVEL=disabled|basic|extended|all: which of ONNX Runtime's graph optimisations run (to find one that misbehaves)
if (process.env.ORT_OPT_LEVEL) options.graphOptimizationLevel = process.env.ORT_OPT_LEVEL;
const session = await ort.InferenceSession.create(model, options);
const feeds = {};
for (const spec of specs) {
  const eq = spec.indexOf('=');
  const a = readNpy(spec.slice(eq + 1));
  feeds[spec.slice(0, eq)] = new ort.Tensor(a.type, a.data, a.shape);
}
const results = await session.run(feeds);
for (const name of session.outputNames) {
  const t = results[name];
  writeNpy(path.join(outDir, `${safeName(name)}.npy`), t.type, t.dims, t.data);
}
