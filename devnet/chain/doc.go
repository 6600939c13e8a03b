// Package chain is a simulated Sui chain carrying the Walrus Move
// package, for the local devnet and for tests. It implements
// ledger.Ledger (devnet/ledger): objects are served as the BCS of their
// Move structs, signed TransactionData is decoded from BCS, verified and
// executed with the rules of the Move code.
//
//	c, err := chain.New(dir, chain.Options{NShards: 10, Members: ms, CheckCertificate: check, ...})
//	c.Fund(addr, 10*1e9, 100*1e9)            // a Coin<SUI> and a Coin<WAL>
//	res, err := c.Execute(ctx, txData, sigs) // ledger.Ledger
//	c.AdvanceEpoch(1)
//
// What is simulated faithfully (sources: MystenLabs/walrus
// mainnet-contracts/walrus/sources, package version 3, cited per file):
//   - the layouts of System/Staking (header, inner state as a dynamic field
//     keyed by the u64 version 3), SystemStateInnerV1 with its BlsCommittee
//     (members in committee order, weight = shards, UncompressedG1 keys,
//     total_aggregated_key) and future-accounting ring, StakingInnerV1 with
//     its committee and the pools as ObjectTable entries (StakingPool and
//     StorageNodeInfo), Blob, Storage, Coin and the events;
//   - system::reserve_space, register_blob, certify_blob, extend_blob,
//     delete_blob, blob::burn, storage_resource::split_by_size,
//     split_by_epoch, fuse_amount, fuse_periods, fuse and
//     0x2::coin::destroy_zero with their checks and abort codes in the
//     modules that raise them (system_state_inner, blob, storage_resource,
//     messages, bls_aggregate through Options.CheckCertificate, encoding,
//     balance);
//   - Blob attributes: blob::insert_or_update_metadata_pair,
//     remove_metadata_pair, remove_metadata_pair_if_exists, add_metadata,
//     add_or_replace_metadata, take_metadata and metadata::new,
//     insert_or_update, remove, remove_if_exists on the
//     metadata::Metadata (a VecMap<String, String>) in the Blob's dynamic
//     field b"metadata", whose ID is derived exactly as Sui derives it;
//     delete_blob and burn remove the field with the Blob;
//   - programmable transactions: inputs, SplitCoins, MergeCoins,
//     TransferObjects, results and UnusedValueWithoutDrop, rollback of a
//     failed transaction except gas, gas smashing, lamport versions,
//     wrapping and unwrapping of Storage, owned-object locks until the end
//     of the Sui epoch, checkpoints that lag by Options.CheckpointDelay
//     (storage nodes, through Registered, see a registration only once its
//     transaction is in a checkpoint, as real nodes follow checkpointed
//     events).
//
// What is simplified: the gas schedule (a fixed number of units per
// transaction, command and Move call; storage at 7 600 MIST per byte;
// 99 % rebates), object and dynamic-field digests and IDs (deterministic
// BLAKE2b, not Sui's exact preimages), epoch changes (AdvanceEpoch keeps
// the committee; rewards stay in the accounting ring), and only the calls
// listed above execute: anything else fails with "not supported by the
// devnet". Sponsored transactions and address balances do not exist.
//
// State is saved to dir/chain.json atomically after every change (the
// executed transactions go to dir/transactions.jsonl, appended and synced
// before the state names them) and loaded by Open.
package chain
