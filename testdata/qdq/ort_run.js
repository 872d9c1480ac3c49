// Run one model under onnxruntime and write its outputs as ONNX
// TensorProtos: OUT_PREFIX<i>.pb for output i. Inputs are .pb files in graph
// input order (an unnamed TensorProto takes the graph input's name).
//
// usage: NODE_PATH=DIR/node_modules node testdata/qdq/ort_run.js MODEL.onnx OUT_PREFIX IN.pb...
// Needs the npm package onnxruntime-node (README.md in this folder).
const ort = require('onnxruntime-node');
const { readTensor, writeTensor } = require('../onnx-ops/ort_outputs.js');

(async () => {
  const [model, prefix, ...inputs] = process.argv.slice(2);
  const s = await ort.InferenceSession.create(model);
  const feeds = {};
  inputs.forEach((file, i) => {
    const { name, tensor } = readTensor(file);
    feeds[name || s.inputNames[i]] = tensor;
  });
  const out = await s.run(feeds);
  s.outputNames.forEach((n, i) => writeTensor(`${prefix}${i}.pb`, n, out[n]));
  console.log(`${model}: ${s.outputNames.map((n) => `${n} [${out[n].dims}]`).join(', ')}`);
})().catch((e) => { console.error(e.message); process.exit(1); });
