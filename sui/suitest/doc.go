// Package suitest is a fake Sui full node for tests of code that reads
// Walrus objects from Sui: one object set (Node) served both by an
// in-process gRPC server built from the SDK's pb service definitions
// (LedgerService.BatchGetObjects, StateService.ListDynamicFields and
// ListOwnedObjects) and by an httptest JSON-RPC server (sui_multiGetObjects,
// suix_getDynamicFields, suix_getOwnedObjects, suix_getCoins,
// suix_getBalance, suix_getReferenceGasPrice), both on 127.0.0.1. The
// BCS builders (BCS, StakingInnerBCS, StakingPoolBCS) also serve fixtures
// of other fake chains.
//
//	n := suitest.NewNode()
//	n.AddNetwork(suitest.Objects{System: ..., Staking: ..., TypeOrigin: ...}, suitest.State{Epoch: 7, NShards: 1000, ...})
//	url := n.ServeGRPC(t) // give it to sui.Dial
//
// Object contents are BCS written from the walrus Move struct layouts
// (protocol notes §5), not recordings of a live node.
package suitest
