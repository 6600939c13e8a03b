// Builds the Walrus transactions of package suitx with the official
// TypeScript SDK (@mysten/sui), offline, and signs each with three fixed
// test keys. Input on stdin: {keys: {ed25519, secp256k1, secp256r1} (hex
// secrets), cases: [...]} as suitx's tests write them. Output on stdout:
// {addresses: {scheme: address of the key}, results: [{tx (base64
// TransactionData), digest, signatures: {scheme: base64 serialized}}]}.
//
// The calls below are written from the Move signatures (walrus::system,
// walrus::blob, walrus::storage_resource) independently of the Go code; only the order of the calls
// (and so of the inputs) is the one the Go package documents.
import { Transaction, Inputs } from '@mysten/sui/transactions';
import { toBase64, fromHex } from '@mysten/sui/utils';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Secp256r1Keypair } from '@mysten/sui/keypairs/secp256r1';
// @mysten/walrus exports only its client; its BCS types are imported by
// path (this script runs from the npm prefix).
import { StorageConfirmation, IntentType, blobIdFromBytes } from './node_modules/@mysten/walrus/dist/utils/bcs.mjs';
// The generated Move builder of walrus::blob (it encodes the String
// arguments from the function's parameter types).
import { insertOrUpdateMetadataPair } from './node_modules/@mysten/walrus/dist/contracts/walrus/blob.mjs';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const signers = {
  ed25519: Ed25519Keypair.fromSecretKey(fromHex(input.keys.ed25519)),
  secp256k1: Secp256k1Keypair.fromSecretKey(fromHex(input.keys.secp256k1)),
  secp256r1: Secp256r1Keypair.fromSecretKey(fromHex(input.keys.secp256r1)),
};

// u256 from its 32 little-endian bytes (hex).
function u256LE(hex) {
  const b = fromHex(hex);
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

const owned = (tx, r) => tx.object(Inputs.ObjectRef({ objectId: r.id, version: r.version, digest: r.digest }));

async function build(c) {
  const tx = new Transaction();
  tx.setSender(c.sender);
  if (c.gas.owner) tx.setGasOwner(c.gas.owner);
  tx.setGasPrice(BigInt(c.gas.price));
  tx.setGasBudget(BigInt(c.gas.budget));
  const payment = (c.gas.payment ?? []).map((r) => ({ objectId: r.id, version: r.version, digest: r.digest }));
  tx.setGasPayment(payment);
  // An empty payment builds offline only with an explicit expiration;
  // None is what an unset expiration serialises as anyway.
  if (payment.length === 0) tx.setExpiration({ None: true });

  const w = c.walrus;
  const system = (mutable) =>
    tx.object(Inputs.SharedObjectRef({ objectId: w.system.id, initialSharedVersion: w.system.initialVersion, mutable }));
  const target = (module, fn) => `${w.package}::${module}::${fn}`;
  const walCoin = (coins) => {
    const args = coins.map((r) => owned(tx, r));
    if (args.length > 1) tx.mergeCoins(args[0], args.slice(1));
    return args[0];
  };

  switch (c.shape) {
    case 'register':
    case 'register-pool':
    case 'register-attrs': {
      const r = c.register;
      const wal = walCoin(r.wal);
      // Pools: the objects are fused into the first where the pool is
      // first used; each blob's share is split off it with
      // storage_resource::split_by_size(first, left) (first keeps `left`
      // bytes and the returned Storage is the share), and the share that
      // leaves nothing is the first object itself.
      const pools = (r.pools ?? []).map((p) => ({ p, arg: null, left: BigInt(p.size) }));
      const blobs = [];
      const setAttributes = (blob, attrs) => {
        for (const a of attrs ?? []) {
          tx.add(insertOrUpdateMetadataPair({ package: w.package, arguments: { self: blob, key: a.key, value: a.value } }));
        }
      };
      for (const nb of r.blobs) {
        let storage;
        if (nb.storage) {
          storage = owned(tx, nb.storage);
        } else if (nb.pool) {
          const pool = pools[nb.pool - 1];
          if (pool.arg === null) {
            pool.arg = owned(tx, pool.p.objects[0]);
            for (const o of pool.p.objects.slice(1)) {
              tx.moveCall({ target: target('storage_resource', 'fuse_amount'), arguments: [pool.arg, owned(tx, o)] });
            }
          }
          pool.left -= nb.take ? BigInt(nb.take) : BigInt(nb.encodedSize);
          storage = pool.left === 0n
            ? pool.arg
            : tx.moveCall({ target: target('storage_resource', 'split_by_size'), arguments: [pool.arg, tx.pure.u64(pool.left)] });
        } else {
          storage = tx.moveCall({
            target: target('system', 'reserve_space'),
            arguments: [system(true), tx.pure.u64(BigInt(nb.encodedSize)), tx.pure.u32(r.epochs), wal],
          });
        }
        blobs.push(tx.moveCall({
          target: target('system', 'register_blob'),
          arguments: [
            system(true), storage,
            tx.pure.u256(u256LE(nb.blobId)), tx.pure.u256(u256LE(nb.root)),
            tx.pure.u64(BigInt(nb.size)), tx.pure.u8(1), tx.pure.bool(nb.deletable), wal,
          ],
        }));
        // Attributes go on the new Blob before it is transferred.
        setAttributes(blobs[blobs.length - 1], nb.attributes);
      }
      tx.transferObjects(blobs, tx.pure.address(r.owner || c.sender));
      break;
    }
    case 'certify':
      for (const ct of c.certify) {
        const conf = ct.confirmation;
        const message = StorageConfirmation.serialize({
          intent: IntentType.BLOB_CERT_MSG,
          epoch: conf.epoch,
          messageContents: {
            blobId: blobIdFromBytes(fromHex(conf.blobId)),
            blobType: conf.object ? { Deletable: { objectId: conf.object } } : { Permanent: null },
          },
        }).toBytes();
        tx.moveCall({
          target: target('system', 'certify_blob'),
          arguments: [
            system(false), owned(tx, ct.blob),
            tx.pure.vector('u8', fromHex(ct.signature)),
            tx.pure.vector('u8', fromHex(ct.bitmap)),
            tx.pure.vector('u8', message),
          ],
        });
      }
      break;
    case 'extend': {
      const wal = walCoin(c.extend.wal);
      for (const e of c.extend.blobs) {
        tx.moveCall({
          target: target('system', 'extend_blob'),
          arguments: [system(true), owned(tx, e.blob), tx.pure.u32(e.epochs), wal],
        });
      }
      break;
    }
    case 'delete': {
      const storages = c.delete.blobs.map((b) =>
        tx.moveCall({ target: target('system', 'delete_blob'), arguments: [system(false), owned(tx, b)] }));
      tx.transferObjects(storages, tx.pure.address(c.delete.owner || c.sender));
      break;
    }
    case 'burn':
      for (const b of c.burn) tx.moveCall({ target: target('blob', 'burn'), arguments: [owned(tx, b)] });
      break;
    case 'merge':
      walCoin(c.merge);
      break;
    case 'transfer': {
      const objs = c.transfer.objects.map((o) => owned(tx, o));
      tx.transferObjects(objs, tx.pure.address(c.transfer.recipient));
      break;
    }
    case 'set-attributes': {
      const sa = c.setAttributes;
      const blob = owned(tx, sa.blob);
      for (const a of sa.set ?? []) {
        tx.add(insertOrUpdateMetadataPair({ package: w.package, arguments: { self: blob, key: a.key, value: a.value } }));
      }
      // remove_metadata_pair_if_exists(&mut Blob, &String): Option<String>
      // (no generated builder in @mysten/walrus 1.2.13).
      for (const k of sa.remove ?? []) {
        tx.moveCall({ target: target('blob', 'remove_metadata_pair_if_exists'), arguments: [blob, tx.pure.string(k)] });
      }
      break;
    }
    default:
      throw new Error(`unknown shape ${c.shape}`);
  }

  const bytes = await tx.build();
  const digest = await tx.getDigest();
  const signatures = {};
  for (const [name, kp] of Object.entries(signers)) {
    signatures[name] = (await kp.signTransaction(bytes)).signature;
  }
  return { tx: toBase64(bytes), digest, signatures };
}

const results = [];
for (const c of input.cases) results.push(await build(c));
const addresses = Object.fromEntries(Object.entries(signers).map(([name, kp]) => [name, kp.toSuiAddress()]));
process.stdout.write(JSON.stringify({ addresses, results }));
