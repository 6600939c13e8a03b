// Runs the real Walrus encoder (@mysten/walrus-wasm, walrus-core compiled to
// WASM) over a batch of cases and prints what the Go cross-check compares.
//
// usage: node oracle.cjs MODULE_DIR MANIFEST.json RESULTS.json
// MANIFEST: [{"n":10,"data":"/path/file","decode":["/path/sliver.bcs",...]}]
// RESULTS:  [{"blobId":"<hex>","root":"<hex>","primary":["<sha256 hex>"...],
//             "secondary":[...],"hashes":[["<hex>","<hex>"],...],
//             "decoded":"<sha256 hex of decode output>","error":"..."}]
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const [moduleDir, manifestPath, resultsPath] = process.argv.slice(2);
const { BlobEncoder } = require(path.join(moduleDir, 'node_modules', '@mysten', 'walrus-wasm'));

const hex = (b) => Buffer.from(b).toString('hex');
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

function uleb(n) {
  let s = 1;
  n = Math.floor(n / 128);
  while (n > 0) { s++; n = Math.floor(n / 128); }
  return s;
}

const encoders = new Map();
function encoder(n) {
  if (!encoders.has(n)) encoders.set(n, new BlobEncoder(n));
  return encoders.get(n);
}

const cases = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const results = [];
for (const c of cases) {
  const r = {};
  try {
    const data = new Uint8Array(fs.readFileSync(c.data));
    const n = c.n;
    const f = Math.floor((n - 1) / 3), p = n - 2 * f, s = n - f;
    let ss = Math.floor((Math.max(data.length, 1) - 1) / (p * s)) + 1;
    if (ss % 2 === 1) ss++;
    const enc = encoder(n);
    if (c.metadataOnly) {
      const [id, root] = enc.compute_metadata(data);
      r.blobId = hex(id);
      r.root = hex(root.Digest);
    } else {
      const prim = [], sec = [];
      for (let i = 0; i < n; i++) {
        prim.push(new Uint8Array(uleb(s * ss) + s * ss + 4));
        sec.push(new Uint8Array(uleb(p * ss) + p * ss + 4));
      }
      const [meta, root] = enc.encode(data, prim, sec);
      r.blobId = hex(meta.blob_id);
      r.root = hex(root.Digest);
      r.primary = prim.map(sha);
      r.secondary = sec.map(sha);
      r.hashes = meta.metadata.V1.hashes.map((h) => [hex(h.primary_hash.Digest), hex(h.secondary_hash.Digest)]);
    }
    if (c.decode) {
      const bufs = c.decode.map((p) => new Uint8Array(fs.readFileSync(p)));
      const out = new Uint8Array(data.length);
      const id = Array.from(Buffer.from(c.blobId, 'hex'));
      enc.decode(id, BigInt(data.length), bufs, out);
      r.decoded = sha(out);
    }
  } catch (e) {
    r.error = String(e && e.message ? e.message : e);
  }
  results.push(r);
}
fs.writeFileSync(resultsPath, JSON.stringify(results));
