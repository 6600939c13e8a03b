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
//   - The Staking object's inner StakingInnerV1: epoch_duration and
//     first_epoch_start, for estimating when an end epoch arrives
//     (State.EpochStart).
//   - blob::Blob objects by object ID (or inside a SharedBlob) and those
//     owned by an address: blob_id (u256, little-endian = the blob ID
//     bytes), size, registered/certified epoch, storage end epoch,
//     deletable.
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
// Tests run an in-process gRPC server built from the SDK's pb service
// definitions and an httptest JSON-RPC server (fake_test.go); nothing
// reaches the network.
package sui
