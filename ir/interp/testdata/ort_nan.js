// Runs the one-op models TestWriteNaNModels writes (ir/interp/nan_ort_test.go)
// on onnxruntime's CPU provider and prints their outputs as Go map entries
// for ortOutputs. Setup and run (outside the repository):
//   PIMC_NAN_MODELS=/tmp/nan go test ./ir/interp -run TestWriteNaNModels
//   mkdir -p /tmp/ort && (cd /tmp/ort && npm install --ignore-scripts onnxruntime-node)
//   NODE_PATH=/tmp/ort/node_modules node ir/interp/testdata/ort_nan.js /tmp/nan
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function parse(s) {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

function show(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

async function main() {
  const dir = process.argv[2];
  console.log(`// onnxruntime-node ${ort.env.versions.common}, CPU execution provider`);
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort()) {
    const name = f.slice(0, -5);
    const ins = JSON.parse(fs.readFileSync(path.join(dir, name + '.json'), 'utf8'));
    const sess = await ort.InferenceSession.create(path.join(dir, f), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const feeds = {};
    for (const x of ins) {
      feeds[x.name] = new ort.Tensor('float32', Float32Array.from(x.values.map(parse)), x.shape);
    }
    const out = await sess.run(feeds);
    const y = out[sess.outputNames[0]];
    console.log(`\t"${name}": "${Array.from(y.data).map(show).join(' ')}",`);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
