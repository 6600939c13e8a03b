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
// Without a chain (the embedded network) a node accepts every valid
// upload and signs nothing. Given Options.Registry (its view of the Sui
// chain) and a Confirmer (its BLS key), it behaves as a Walrus storage
// node of a devnet (chain.go): uploads only for registered blobs or
// buffered with ?pending=true, storage confirmations once it stores all of
// its shards' slivers, blob status and health from the chain, and the
// error reasons of Walrus (NOT_REGISTERED, MISSING_SLIVERS, ...). Epoch
// changes and shard migration are out of scope: the shards are fixed.
// faults.go has confirmers that lie, for tests of a network.
package node
