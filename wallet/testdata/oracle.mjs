// Oracle for wallet's cross-check: keys, addresses, suiprivkey strings and
// transaction signatures made by the official @mysten/sui package.
// stdin: {"cases":[{"scheme","secret" (hex),"tx" (base64),"verify":[base64 serialized signatures]}]}
// stdout: {"results":[{"publicKey" (hex),"address","suiprivkey","decodedScheme","decodedSecret" (hex),
//          "reparsedAddress","signature" (base64),"verified":[address or ""]}]}
import { readFileSync } from 'node:fs';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Secp256r1Keypair } from '@mysten/sui/keypairs/secp256r1';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { verifyTransactionSignature } from '@mysten/sui/verify';
import { fromBase64, fromHex, toHex } from '@mysten/sui/utils';

const keypairs = { ed25519: Ed25519Keypair, secp256k1: Secp256k1Keypair, secp256r1: Secp256r1Keypair };
const input = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const c of input.cases) {
  const Keypair = keypairs[c.scheme];
  if (!Keypair) throw new Error(`unknown scheme ${c.scheme}`);
  const kp = Keypair.fromSecretKey(fromHex(c.secret));
  const suiprivkey = kp.getSecretKey();
  const decoded = decodeSuiPrivateKey(suiprivkey);
  const reparsed = Keypair.fromSecretKey(suiprivkey);
  const tx = fromBase64(c.tx);
  const { signature } = await kp.signTransaction(tx);
  const verified = [];
  for (const sig of c.verify ?? []) {
    try {
      const pk = await verifyTransactionSignature(tx, sig);
      verified.push(pk.toSuiAddress());
    } catch {
      verified.push('');
    }
  }
  results.push({
    publicKey: toHex(kp.getPublicKey().toRawBytes()),
    address: kp.toSuiAddress(),
    suiprivkey,
    decodedScheme: decoded.scheme,
    decodedSecret: toHex(decoded.secretKey),
    reparsedAddress: reparsed.toSuiAddress(),
    signature,
    verified,
  });
}
process.stdout.write(JSON.stringify({ results }));
