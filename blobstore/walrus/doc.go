// Package walrus is the blobstore.Store of real Walrus networks (testnet,
// mainnet, or any deployment), spoken to over the publisher and aggregator
// HTTP APIs (protocol notes ../shared/walrus-protocol.md §4.1, §4.2).
//
// # Writes
//
// Put computes the blob ID locally (encoding, NShards shards), refuses
// bodies over MaxBlobSize (public publishers take 10 MiB; the mount sizes
// its chunks and packs to Store.MaxBlobSize), and sends
// PUT /v1/blobs?epochs=N&deletable=true|permanent=true[&send_object_to=A]
// with an optional bearer token. The answer is one of the camelCase
// variants newlyCreated, alreadyCertified, markedInvalid or error. A blob ID
// or size that differs from the local one fails with ErrMismatch and
// nothing is recorded. 429, 500, 502, 503, 504, connection errors, the
// error variant and unparseable answers are retried with exponential
// backoff and jitter (MaxAttempts); other 4xx (400, 401, 403, 413, 451)
// and markedInvalid are permanent (ErrInvalid) and show the server's
// error-envelope message.
//
// # Reads: no aggregator is trusted
//
// Read fetches the whole blob with GET /v1/blobs/{id}, re-derives its blob
// ID before any byte is returned, keeps it in a bounded LRU of verified
// blobs (CacheBytes) and serves ranges from there; concurrent readers of
// one blob share one fetch. A mismatch is an error naming the aggregator,
// which is then skipped; the others are tried in order, in up to
// MaxAttempts rounds for transient failures (503 BLOB_UNAVAILABLE, 429,
// 5xx, cut or stalled bodies: StallTimeout, ReadTimeout). ErrNotFound is
// reported only when every aggregator answers 404 and the blob is not one
// this store put (a CDN in front of an aggregator may serve a cached 404
// right after certification); otherwise ErrUnavailable.
// Config.TrustAggregator trades that guarantee for Range requests; see
// its comment for what is given up.
//
// # Stat, Delete, List
//
// Stat answers from the record for blobs this store put; any other blob
// is read and verified whole, since no header can be checked against the
// blob ID. Delete needs a Sui transaction signed by the Blob object's
// owner: without Config.Deleter it fails with ErrNotSupported and changes
// nothing; Forget drops a blob from the record only. List walks the
// record: an append-only JSON-lines file DataDir/blobs.jsonl (blob ID,
// size, encoded length, Sui object ID, registered/certified/end epoch,
// deletable, cost in FROST), locked by one store at a time and readable
// by others with LoadRecords. status and expiry warnings use it
// (Expiring).
//
// # Configuration
//
// The store takes a Config and nothing else; Config.Validate reports what
// New would refuse. The command line resolves it (flags, then WALRUSFS_*
// environment variables, then the data directory's walrus.conf, then the
// network presets in Networks: cmd/walrusfs/config.go). Mainnet has no
// public publisher: such a store can read, and Put explains what to
// configure.
//
// The in-process fake for tests is the walrustest subpackage.
package walrus
