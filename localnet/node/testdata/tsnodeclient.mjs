// Drives a chain-mode node with the StorageNodeClient of @mysten/walrus
// (not exported by the package, so imported by file) and reports what the
// TypeScript SDK makes of every answer. Input and output are JSON.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const dir = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(dir, 'node_modules/@mysten/walrus/dist');
const { StorageNodeClient } = await import(pathToFileURL(path.join(dist, 'storage-node/client.mjs')).href);
const { StorageConfirmation, IntentType } = await import(pathToFileURL(path.join(dist, 'utils/bcs.mjs')).href);

const input = JSON.parse(readFileSync(0, 'utf8'));
const client = new StorageNodeClient({ timeout: 20000 });
const opts = { nodeUrl: input.url };
const bytes = (b64) => Uint8Array.from(Buffer.from(b64, 'base64'));
const blobId = input.blobId;

async function outcome(fn) {
	try {
		return { ok: await fn() };
	} catch (e) {
		return { error: e.constructor.name, status: e.status ?? null, message: String(e.message) };
	}
}
// What WalrusClient.getStorageConfirmationFromNode keeps of an answer.
const signed = (r) => r?.success?.data?.signed ?? null;
// The message WalrusClient.certificateFromConfirmations expects.
const expected = (deletable) =>
	StorageConfirmation.serialize({
		intent: IntentType.BLOB_CERT_MSG,
		epoch: input.epoch,
		messageContents: {
			blobId,
			blobType: deletable ? { Deletable: { objectId: input.objectId } } : { Permanent: null },
		},
	}).toBase64();

const out = {};
out.metaUnregistered = await outcome(() => client.storeBlobMetadata({ blobId, metadata: bytes(input.metadata) }, opts));
out.sliverUnregistered = await outcome(() =>
	client.storeSliver({ blobId, sliverPairIndex: input.slivers[0].pair, sliverType: input.slivers[0].type, sliver: bytes(input.slivers[0].data) }, opts));
out.confUnregistered = await outcome(async () => signed(await client.getPermanentBlobConfirmation({ blobId }, opts)));
out.statusUnregistered = await outcome(() => client.getBlobStatus({ blobId }, opts));

await fetch(input.url + '/test/register', { method: 'POST' });

out.metaRegistered = await outcome(() => client.storeBlobMetadata({ blobId, metadata: bytes(input.metadata) }, opts));
out.confEarly = await outcome(async () => signed(await client.getPermanentBlobConfirmation({ blobId }, opts)));
out.slivers = [];
for (const s of input.slivers) {
	out.slivers.push(await outcome(() => client.storeSliver({ blobId, sliverPairIndex: s.pair, sliverType: s.type, sliver: bytes(s.data) }, opts)));
}
out.metaStatus = await outcome(() => client.getMetadataStatus({ blobId }, opts));
out.sliverStatus = await outcome(() => client.getSliverStatus({ blobId, sliverPairIndex: input.slivers[0].pair, sliverType: input.slivers[0].type }, opts));
out.blobStatus = await outcome(() => client.getBlobStatus({ blobId }, opts));
out.permanent = await outcome(async () => signed(await client.getPermanentBlobConfirmation({ blobId }, opts)));
out.deletable = await outcome(async () => signed(await client.getDeletableBlobConfirmation({ blobId, objectId: input.objectId }, opts)));
out.deletableWrong = await outcome(async () => signed(await client.getDeletableBlobConfirmation({ blobId, objectId: input.wrongObjectId }, opts)));
out.expectedPermanent = expected(false);
out.expectedDeletable = expected(true);
process.stdout.write(JSON.stringify(out));
