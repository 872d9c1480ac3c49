// Runs each pretrained model of testdata/pretrained/cases.txt on
// onnxruntime's CPU provider with the case's input (.npy, float32) and
// writes the first output as the expected one (.npy, float32):
//
//   scripts/fetch-pretrained.sh                       # the models, checked
//   (cd /tmp/ort && npm install --ignore-scripts onnxruntime-node)
//   NODE_PATH=/tmp/ort/node_modules node testdata/pretrained/ort_outputs.js MODELS_DIR testdata/pretrained
//
// cases.txt lines: NAME MODEL_FILE MIN_COSINE (comments with #); inputs are NAME.in.npy,
// outputs NAME.ort.npy.
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function readNPY(file) {
  const b = fs.readFileSync(file);
  const hlen = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + hlen).toString('latin1');
  if (!header.includes("'descr': '<f4'") || header.includes("'fortran_order': True")) throw new Error(`${file}: want little-endian f4 in C order`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim() !== '').map(Number);
  const off = 10 + hlen;
  const data = new Float32Array(b.buffer.slice(b.byteOffset + off, b.byteOffset + b.length));
  return { shape, data };
}

function writeNPY(file, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1; h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

(async () => {
  const [models, dir] = process.argv.slice(2);
  console.log(`onnxruntime-node ${ort.env.versions.common}, CPU execution provider`);
  for (const line of fs.readFileSync(path.join(dir, 'cases.txt'), 'utf8').split('\n')) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f.length < 2) continue;
    const [name, model] = f;
    const x = readNPY(path.join(dir, `${name}.in.npy`));
    const s = await ort.InferenceSession.create(path.join(models, model));
    const r = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) });
    const y = r[s.outputNames[0]];
    writeNPY(path.join(dir, `${name}.ort.npy`), y.dims, y.data);
    console.log(`${name}: ${model} input [${x.shape}] -> ${s.outputNames[0]} [${y.dims}]`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
