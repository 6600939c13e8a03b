// Times the real Walrus encoder's compute_metadata (blob ID) in one process,
// after a 1 KiB warm-up, on P(N) = (7i+13) mod 256 inputs.
// usage: node bench.cjs MODULE_DIR N SIZE... ; prints JSON {"SIZE": ms, ...}
'use strict';
const path = require('path');
const [moduleDir, nArg, ...sizes] = process.argv.slice(2);
const { BlobEncoder } = require(path.join(moduleDir, 'node_modules', '@mysten', 'walrus-wasm'));
const enc = new BlobEncoder(Number(nArg));
enc.compute_metadata(new Uint8Array(1024));
const out = {};
for (const s of sizes) {
  const size = Number(s);
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (7 * i + 13) & 255;
  const t0 = process.hrtime.bigint();
  const [id] = enc.compute_metadata(data);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  out[s] = { ms, blobId: Buffer.from(id).toString('hex') };
}
console.log(JSON.stringify(out));
