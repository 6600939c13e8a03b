// Package suitx builds the Sui programmable transactions walrusfs sends to
// Walrus: buying storage and registering blobs, certifying them, extending,
// deleting and burning them, and the plain coin and object moves around
// them. Each builder returns the BCS TransactionData, ready to be signed
// (intent 00 00 00) and executed; Digest names it.
//
// The PTBs are assembled with the transaction package of
// github.com/block-vision/sui-go-sdk v1.2.1, which writes the same bytes as
// the TypeScript SDK (@mysten/sui) when it is used in a narrow way. This
// package is that narrow way: every argument goes through one typed helper
// (u8, u32, u64, bool, u256, vector<u8>, address, shared object, owned
// object), because the SDK's generic entry points are wrong for several
// inputs:
//
//   - Pure(string) treats any string of up to 64 characters as an address
//     (and panics on others), so Move strings must never be Go strings;
//     addresses are passed as their 32 bytes instead;
//   - Pure(*big.Int) encodes nothing; a u256 is its 32 little-endian bytes;
//   - its TypeTag enum numbers primitive types wrongly, and MakeMoveVec
//     does not encode its type as an Option, so neither is used;
//   - Object("0x...") emits an UnresolvedObject input that no node
//     accepts, so objects are always passed as full references;
//   - owned-object inputs are not deduplicated, so each object gets one
//     input, made once and reused (and the same object twice in one
//     transaction is refused).
//
// Inputs are numbered in the order of their first use, reading each
// command's arguments left to right, which is what the TypeScript SDK does
// for the same calls; the command lists in each builder's doc fix that
// order, and the committed test vectors, produced by @mysten/sui, pin the
// exact bytes and digests of every transaction shape.
//
// The shared System object is passed mutable where the Move function takes
// &mut System (reserve_space, register_blob, extend_blob) and immutable
// where it takes &System (certify_blob, delete_blob), which is what the
// TypeScript SDK derives from the signatures and keeps contention low.
//
// Storage the wallet already owns (walrus::storage_resource::Storage, left
// by deleted blobs) is used before new space is bought: whole
// (NewBlob.Storage), or shared out of a StoragePool whose objects are
// fused (fuse_amount, same start and end epochs only) and from which each
// blob's share is split off (split_by_size: the &mut object keeps the
// amount given, the returned Storage has the rest). register_blob accepts
// any Storage at least as large as the encoded blob and gives the blob the
// Storage's end epoch; extend_blob later charges by the Storage size, so
// shares are cut to the encoded size.
//
// Blob attributes (NewBlob.Attributes, SetAttributes) are the Walrus
// metadata of a Blob object: blob::insert_or_update_metadata_pair(&mut
// Blob, String, String) keeps a VecMap<String, String> in the Blob's
// dynamic field b"metadata", creating it on first use; Register sets them
// on each new Blob before it is transferred, so they come with the
// registration. Keys and values are Move Strings, passed as their bytes
// (the BCS of String and vector<u8> are the same) after a UTF-8 check.
//
// WAL payments follow the Walrus Rust client: the given WAL coins are
// merged into the first one, which is then passed by &mut to every call
// that pays; each call takes exactly its price and leaves the rest, so a
// price change between estimate and execution does not abort the
// transaction as long as the coins hold enough.
package suitx
