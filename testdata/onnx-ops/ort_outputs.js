// Run every case folder below DIR (model.onnx + test_data_set_0/input_<i>.pb,
// made by gen_models.py) under onnxruntime and write its outputs as
// test_data_set_0/output_<i>.pb: the expected outputs pimc conform checks
// the reference interpreter against.
//
// usage: NODE_PATH=DIR/node_modules node testdata/onnx-ops/ort_outputs.js testdata/onnx-ops
// Needs the npm package onnxruntime-node. The .pb files are ONNX
// TensorProtos with raw_data (the form numpy_helper.from_array writes);
// this reads and writes just the fields that form uses.
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

// ONNX TensorProto.DataType <-> onnxruntime-node type names and arrays.
const types = {
  1: ['float32', Float32Array], 2: ['uint8', Uint8Array], 3: ['int8', Int8Array],
  6: ['int32', Int32Array], 7: ['int64', BigInt64Array],
  9: ['bool', Uint8Array], 11: ['float64', Float64Array],
};

function readVarint(b, pos) {
  let v = 0n, shift = 0n;
  for (;;) {
    const c = b[pos++];
    v |= BigInt(c & 0x7f) << shift;
    if (!(c & 0x80)) return [v, pos];
    shift += 7n;
  }
}

function readTensor(file) {
  const b = fs.readFileSync(file);
  const t = { dims: [], type: 0, name: '', raw: Buffer.alloc(0) };
  let pos = 0;
  while (pos < b.length) {
    let key;
    [key, pos] = readVarint(b, pos);
    const field = Number(key >> 3n), wire = Number(key & 7n);
    if (wire === 0) {
      let v;
      [v, pos] = readVarint(b, pos);
      if (field === 1) t.dims.push(Number(v));
      else if (field === 2) t.type = Number(v);
    } else if (wire === 2) {
      let len;
      [len, pos] = readVarint(b, pos);
      const body = b.subarray(pos, pos + Number(len));
      pos += Number(len);
      if (field === 1) { // packed dims
        for (let p = 0; p < body.length;) { let v; [v, p] = readVarint(body, p); t.dims.push(Number(v)); }
      } else if (field === 8) t.name = body.toString();
      else if (field === 9) t.raw = Buffer.from(body);
    } else {
      throw new Error(`${file}: unexpected wire type ${wire}`);
    }
  }
  const [name, Arr] = types[t.type] || [];
  if (!name) throw new Error(`${file}: element type ${t.type} not handled`);
  const data = new Arr(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + t.raw.length));
  return { name: t.name, tensor: new ort.Tensor(name, data, t.dims) };
}

function varint(v) {
  const out = [];
  v = BigInt(v);
  do {
    let c = Number(v & 0x7fn);
    v >>= 7n;
    if (v) c |= 0x80;
    out.push(c);
  } while (v);
  return Buffer.from(out);
}

function writeTensor(file, name, t) {
  const code = Object.keys(types).find((k) => types[k][0] === t.type);
  if (!code) throw new Error(`output ${name}: type ${t.type} not handled`);
  const parts = [];
  for (const d of t.dims) parts.push(varint(1 << 3), varint(d));
  parts.push(varint(2 << 3), varint(code));
  const nm = Buffer.from(name);
  parts.push(varint((8 << 3) | 2), varint(nm.length), nm);
  const raw = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  parts.push(varint((9 << 3) | 2), varint(raw.length), raw);
  fs.writeFileSync(file, Buffer.concat(parts));
}

// testdata/qdq/ort_run.js reuses the reader and writer.
module.exports = { readTensor, writeTensor };
if (require.main !== module) return;

(async () => {
  const root = process.argv[2];
  for (const c of fs.readdirSync(root).sort()) {
    const dir = path.join(root, c);
    if (!fs.existsSync(path.join(dir, 'model.onnx'))) continue;
    const s = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
    const feeds = {};
    const ds = path.join(dir, 'test_data_set_0');
    for (let i = 0; fs.existsSync(path.join(ds, `input_${i}.pb`)); i++) {
      const { name, tensor } = readTensor(path.join(ds, `input_${i}.pb`));
      feeds[name] = tensor;
    }
    const out = await s.run(feeds);
    s.outputNames.forEach((n, i) => writeTensor(path.join(ds, `output_${i}.pb`), n, out[n]));
    console.log(`${c}: ${s.outputNames.map((n) => `${n} [${out[n].dims}]`).join(', ')}`);
  }
})().catch((e) => { console.error(e.message); process.exit(1); });
