// Times onnxruntime (CPU) on a model, for comparison with pimc's interpreter.
// Setup (once, outside the repository; the install script would fetch GPU
// binaries from a closed host, hence --ignore-scripts):
//   mkdir -p /tmp/ort && cd /tmp/ort && npm install --ignore-scripts onnxruntime-node
// Run:
//   NODE_PATH=/tmp/ort/node_modules node testdata/bench/ort_bench.js MODEL.onnx C H W [BATCH] [THREADS]
// Prints images/second over repeated runs of a seeded random input.
const ort = require('onnxruntime-node');

async function main() {
  const [model, c, h, w, batchArg, threadsArg] = process.argv.slice(2);
  const batch = parseInt(batchArg || '1', 10);
  const threads = parseInt(threadsArg || '2', 10);
  const sess = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const n = batch * c * h * w;
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) % 2147483648; data[i] = s / 2147483648; }
  const feeds = { [sess.inputNames[0]]: new ort.Tensor('float32', data, [batch, +c, +h, +w]) };
  for (let i = 0; i < 10; i++) await sess.run(feeds);
  // Run for at least 2 s.
  let iters = 0;
  const t0 = process.hrtime.bigint();
  let el = 0;
  while (el < 2e9) { await sess.run(feeds); iters++; el = Number(process.hrtime.bigint() - t0); }
  const perRun = el / iters / 1e6;
  console.log(`${model} batch=${batch} threads=${threads}: ${perRun.toFixed(3)} ms/run, ${(batch * 1000 / perRun).toFixed(1)} images/s (${iters} runs)`);
}
main().catch((e) => { console.error(e); process.exit(1); });
