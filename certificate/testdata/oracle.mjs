// Cross-check oracle for package certificate: reads cases as JSON on stdin,
// answers with what @noble/curves, @mysten/walrus-wasm and @mysten/walrus
// make of them (hex strings) on stdout.
import { readFileSync } from 'node:fs';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import * as wasm from '@mysten/walrus-wasm';
import { StorageConfirmation } from './node_modules/@mysten/walrus/dist/utils/bcs.mjs';
import { signersToBitmap } from './node_modules/@mysten/walrus/dist/utils/index.mjs';

const DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_';
const ls = bls12_381.longSignatures;
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const b64url = (b) => Buffer.from(b).toString('base64url');

// walrus-wasm throws on bytes it cannot decode; that is a "no".
function tryBool(f) {
  try { return f() === true; } catch { return false; }
}
function tryHex(f) {
  try { return hex(f()); } catch { return ''; }
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const out = { cases: [], edges: { pks: [], sigs: [] } };

for (const c of input.cases) {
  const blobId = b64url(unhex(c.blobId));
  const blobType = c.objectId === null
    ? { Permanent: true }
    : { Deletable: { objectId: '0x' + c.objectId } };
  const msg = StorageConfirmation.serialize({
    intent: 1, // IntentType.BLOB_CERT_MSG
    epoch: c.epoch,
    messageContents: { blobId, blobType },
  }).toBytes();
  const sks = c.sks.map(unhex);
  const pks = sks.map((sk) => ls.getPublicKey(sk).toBytes(true));
  const sigPoints = sks.map((sk) => ls.sign(ls.hash(msg, DST), sk));
  const sigs = sigPoints.map((p) => ls.Signature.toBytes(p));
  const goMsg = unhex(c.goMsg);
  const goPks = c.goPks.map(unhex);
  const goSigs = c.goSigs.map(unhex);
  const other = unhex(c.otherMsg);
  out.cases.push({
    msg: hex(msg),
    pks: pks.map(hex),
    sigs: sigs.map(hex),
    nobleAgg: tryHex(() => ls.Signature.toBytes(ls.aggregateSignatures(sigPoints))),
    wasmAgg: tryHex(() => wasm.bls12381_min_pk_aggregate(sigs)),
    wasmVerifyNoble: sigs.map((s, i) => tryBool(() => wasm.bls12381_min_pk_verify(s, pks[i], msg))),
    bitmap: hex(signersToBitmap(c.signers, c.members)),
    wasmVerifyGo: goSigs.map((s, i) => tryBool(() => wasm.bls12381_min_pk_verify(s, goPks[i], goMsg))),
    wasmVerifyGoOther: tryBool(() => wasm.bls12381_min_pk_verify(goSigs[0], goPks[0], other)),
    wasmAggGo: tryHex(() => wasm.bls12381_min_pk_aggregate(goSigs)),
    wasmVerifyAggGo: tryBool(() => wasm.bls12381_min_pk_verify_aggregate(goPks, goMsg, unhex(c.goAgg))),
    wasmVerifyAggGoOther: tryBool(() => wasm.bls12381_min_pk_verify_aggregate(goPks, other, unhex(c.goAgg))),
  });
}

if (input.edges) {
  const e = input.edges;
  const pk = unhex(e.pk), sig = unhex(e.sig), msg = unhex(e.msg);
  for (const p of e.pks) {
    const b = unhex(p.hex);
    out.edges.pks.push({
      name: p.name,
      verify: tryBool(() => wasm.bls12381_min_pk_verify(sig, b, msg)),
      verifyAggregate: tryBool(() => wasm.bls12381_min_pk_verify_aggregate([b], msg, sig)),
    });
  }
  for (const s of e.sigs) {
    const b = unhex(s.hex);
    out.edges.sigs.push({
      name: s.name,
      verify: tryBool(() => wasm.bls12381_min_pk_verify(b, pk, msg)),
      aggregate: tryHex(() => wasm.bls12381_min_pk_aggregate([sig, b])) !== '',
    });
  }
}

process.stdout.write(JSON.stringify(out));
