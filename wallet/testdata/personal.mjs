// Oracle for wallet's personal-message cross-check: signatures of Sui
// personal messages made by the official @mysten/sui package.
// stdin: {"cases":[{"scheme","secret" (hex),"msg" (base64),"verify":[base64 serialized signatures]}]}
// stdout: {"results":[{"address","signature" (base64),"verified":[address or ""]}]}
import { readFileSync } from 'node:fs';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Secp256r1Keypair } from '@mysten/sui/keypairs/secp256r1';
import { verifyPersonalMessageSignature } from '@mysten/sui/verify';
import { fromBase64, fromHex } from '@mysten/sui/utils';

const keypairs = { ed25519: Ed25519Keypair, secp256k1: Secp256k1Keypair, secp256r1: Secp256r1Keypair };
const input = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const c of input.cases) {
  const Keypair = keypairs[c.scheme];
  if (!Keypair) throw new Error(`unknown scheme ${c.scheme}`);
  const kp = Keypair.fromSecretKey(fromHex(c.secret));
  const msg = fromBase64(c.msg);
  const { signature } = await kp.signPersonalMessage(msg);
  const verified = [];
  for (const sig of c.verify ?? []) {
    try {
      const pk = await verifyPersonalMessageSignature(msg, sig);
      verified.push(pk.toSuiAddress());
    } catch {
      verified.push('');
    }
  }
  results.push({ address: kp.toSuiAddress(), signature, verified });
}
process.stdout.write(JSON.stringify({ results }));
