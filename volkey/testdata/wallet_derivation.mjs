// Oracle for volkey's wallet derivation, built only from other
// implementations: @mysten/sui signs the personal message, node's crypto
// does HKDF-SHA256, @noble/curves does X25519 and @scure/base bech32.
// stdin: {"message", "salt", "info", "cases":[{"scheme","secret" (hex)}]}
// stdout: {"results":[{"signature" (base64),"recipient" (age1…),"identity" (AGE-SECRET-KEY-1…)}]}
import { readFileSync } from 'node:fs';
import { hkdfSync } from 'node:crypto';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Secp256r1Keypair } from '@mysten/sui/keypairs/secp256r1';
import { fromBase64, fromHex } from '@mysten/sui/utils';
import { x25519 } from '@noble/curves/ed25519.js';
import { bech32 } from '@scure/base';

const keypairs = { ed25519: Ed25519Keypair, secp256k1: Secp256k1Keypair, secp256r1: Secp256r1Keypair };
const input = JSON.parse(readFileSync(0, 'utf8'));
const msg = new TextEncoder().encode(input.message);
const results = [];
for (const c of input.cases) {
  const kp = keypairs[c.scheme].fromSecretKey(fromHex(c.secret));
  const { signature } = await kp.signPersonalMessage(msg);
  const raw = fromBase64(signature).slice(1, 65);
  const scalar = new Uint8Array(hkdfSync('sha256', raw, Buffer.from(input.salt), Buffer.from(input.info), 32));
  const pub = x25519.getPublicKey(scalar);
  results.push({
    signature,
    recipient: bech32.encode('age', bech32.toWords(pub), 1000),
    identity: bech32.encode('age-secret-key-', bech32.toWords(scalar), 1000).toUpperCase(),
  });
}
process.stdout.write(JSON.stringify({ results }));
