// Package sui reads the Sui side of Walrus (protocol notes
// ../shared/walrus-protocol.md §5) through github.com/block-vision/sui-go-sdk
// v1.2.1's sui/v2 client: gRPC first, since Sui has deprecated JSON-RPC,
// and JSON-RPC when the gRPC attempt fails (Client.try).
//
// What it reads:
//
//   - The System object { id, version, package_id, new_package_id } and its
//     inner state, the dynamic field keyed by the u64 version:
//     SystemStateInnerV1 gives the current epoch and n_shards (from the BLS
//     committee) and storage_price_per_unit_size / write_price_per_unit_size.
//
//   - The Staking object's inner StakingInnerV1: epoch_duration and
//     first_epoch_start, for estimating when an end epoch arrives
//     (State.EpochStart).
//
//   - blob::Blob objects by object ID (or inside a SharedBlob) and those
//     owned by an address: blob_id (u256, little-endian = the blob ID
//     bytes), size, registered/certified epoch, storage end epoch,
//     deletable.
//
//   - Blob attributes (BlobAttributes, BlobsAttributes,
//     OwnedBlobsWithAttributes): the walrus::metadata::Metadata VecMap in
//     the Blob's dynamic field b"metadata", read as @mysten/walrus does,
//     by the field's derived object ID (DynamicFieldID), 50 per request.
//
//   - The current committee (Client.Committee): the Staking inner state's
//     `committee` (node ID → shards, in the order that numbers signers)
//     and each member's StakingPool.node_info (name, network address,
//     BLS and network public keys) from the `pools` ObjectTable.
//
// For transactions (tx.go, sender.go): the reference gas price, Coin
// objects and balances (address balances included), and dry runs and signed
// executions over gRPC only (JSON-RPC is deprecated), with effects
// (status, abort code, gas, changed objects, events) read from the
// node's protos directly because the SDK's conversion drops the abort
// code. Execute waits until a checkpoint holds the transaction, as the
// Walrus Rust client does. GasBudget is that client's budget formula;
// Sender keeps one transaction in flight per address and carries gas
// coin references from effect to effect, so no coin is ever used twice
// at one version (equivocation would lock it for the epoch).
//
// Object contents are decoded from BCS (bcs.go), which both transports
// return byte-identically, rather than from JSON, whose shape differs
// between them. The struct layouts are those of the walrus Move sources
// cited at each parser; an upgrade that changes them makes the parsers
// fail loudly (short or inconsistent data), never guess.
//
// Cost is the price rule of system_state_inner.move: storage price ×
// units × epochs + write price × units, units = ceil(encoded length /
// 1 MiB), in FROST (1 WAL = 10^9 FROST), gas excluded.
//
// Tests run the fake node of package suitest (gRPC and JSON-RPC) and,
// for transactions and the committee, the real gRPC API of
// devnet/suirpc over an in-memory ledger (devnet/suirpc/suirpctest);
// nothing reaches the network.
package sui
