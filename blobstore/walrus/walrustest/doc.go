// Package walrustest is an in-process fake of a Walrus publisher and its
// aggregators, for tests of code that talks to Walrus over HTTP.
//
//	srv := walrustest.NewServer(t, nil)
//	cfg := walrus.Config{Publisher: srv.PublisherURL(), Aggregators: srv.AggregatorURLs(), NShards: srv.NShards()}
//
// The fake speaks the documented wire formats of the walrusfs protocol
// notes (../shared/walrus-protocol.md): the publisher's PUT /v1/blobs and
// its camelCase JSON answers (§4.1), the aggregator's GET /v1/blobs/{id}
// with single closed byte ranges (§4.2), and the AIP-193 error envelope
// shared by every Walrus service (§4 "General"). Blob IDs are real Walrus
// blob IDs for the configured shard count (default 10 to keep tests fast;
// use 1000 for mainnet/testnet fidelity). Blob objects, storage resources
// and costs follow the Move structures and price rules of §5.
//
// Every aggregator and the publisher can be told to misbehave (Fault):
// wrong bytes, truncated or stalled bodies, 503 BLOB_UNAVAILABLE, 404,
// 413, 504, garbage JSON, a foreign blob ID. Faults are for a number of
// requests or forever, and every request is counted so tests can assert
// on retries and failover.
//
// Nothing here reaches the network beyond 127.0.0.1.
package walrustest
