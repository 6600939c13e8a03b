// Package rs2 implements Walrus's RS2 encoding exactly as walrus-core does,
// on top of github.com/klauspost/reedsolomon: a blob becomes n sliver pairs
// (primary and secondary slivers), the Merkle roots of every sliver form the
// blob's metadata, and the blob ID (package blobid) is the hash of the
// length and the metadata's root. Encoder computes metadata and slivers
// (ComputeMetadata, Encode, Prepare; HashSource hashes a blob's source
// symbols before an Encoder exists, for ComputeMetadataFrom), checks a
// sliver against the metadata (VerifySliver, VerifySliverHinted) and decodes
// a blob or a range of it from enough slivers (Decode, DecodeRange); a
// memory fault reading a blob (a mapped file truncated meanwhile) is
// ErrDataFault. Metadata.Check checks metadata
// against a blob ID. ShardOffset, PairShard and ShardPair place a blob's
// sliver pairs on the shards.
//
// How the two codes are built on klauspost's Leopard GF(2^16) code, and how
// hashing is batched, is described in docs/design.md ("RS2 on
// klauspost/reedsolomon"). testdata/vectors.json holds blob IDs computed by
// the real Walrus encoder; scripts/crosscheck.sh compares against it live.
//
// Outside its own internal packages it imports only package blobid.
package rs2
