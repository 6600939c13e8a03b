// Package node is a walrusfs storage node: an on-disk store of blob
// metadata and slivers for the shards the node holds, and an http.Handler
// serving the Walrus storage-node REST API (../shared/walrus-protocol.md
// §4.4) over it.
//
// On-disk layout under the node's directory (nothing else is stored, so
// deleting the directory is exactly a lost node and corrupting files in it
// is exactly a lying node):
//
//	metadata/<blob-id>                    BCS BlobMetadata (without the ID)
//	shards/<shard>/<blob-id>.primary      BCS SliverData of the pair on <shard>
//	shards/<shard>/<blob-id>.secondary
//	shards/<shard>/<blob-id>.<type>.leaves  repair leaves of that sliver (a hint)
//
// Every file but the leaves is written durably: a temporary file in the
// same directory, fsync, rename, fsync of the directory. Leftover
// temporary files from a crash are removed by Open.
//
// The leaves of a sliver are the Merkle leaf hashes of the symbols its
// code adds to it, computed when the node verified it on upload, r x 32
// bytes. Served by a walrusfs extension (GET .../leaves), they let a
// reader check a sliver as a Merkle proof, hashing only the sliver's own
// symbols instead of expanding it (rs2.Encoder.VerifySliverHinted).
// They are a hint: a lost, torn or lying leaves file makes the reader
// verify in full, never accept wrong bytes, so it is written without
// fsync.
//
// The node trusts nothing it is sent: IDs and indices from a request are
// parsed and range-checked before a path is built from them, metadata must
// hash to the blob ID, and a sliver is stored only if it verifies against
// the stored metadata and belongs to a shard the node holds. It does not
// re-verify what it serves: readers verify (and a corrupted disk is exactly
// the lying node readers must survive).
//
// Out of scope here (no Sui): registration checks before accepting
// metadata, storage confirmations (BLS signatures over the blob ID and
// epoch, GET .../confirmation/...), epochs and shard migration. The places
// where they would go are marked "SUI:" in the code.
package node
