// Package committee is the blobstore.Store client over a committee of
// storage nodes (package node), speaking the Walrus storage-node REST API.
//
// Put encodes a blob with RS2 (package rs2), sends the metadata and
// then both slivers of every sliver pair to the node holding that pair's
// shard (pair i lives on shard (i + offset) mod n), in parallel with
// bounded concurrency, and returns once nodes holding a Walrus write quorum
// of shards (3w >= 2n+1) have everything they should. The encoder's
// Prepare gives the metadata first (one hashing pass); its Slivers then
// streams the slivers to the nodes, so memory stays at the encoder's own
// bounds (under 3x the blob).
//
// Before an upload starts, Put writes a record for the blob into a
// persistent repair queue (DataDir/repair/<blob-id>, fsynced, flock-held
// during the upload). Records of uploads that did not reach every node, and
// of uploads killed mid-way, are worked off by a background loop (started
// by Open, stopped with its context) and on the next Open: the loop checks
// every sliver of the blob, decodes and re-encodes what is missing or bad,
// or, when all nodes answered and fewer than p good primary slivers exist
// (the upload died early), removes the remnants so the blob is cleanly
// absent. Reads verify everything, so remnants are never served.
//
// Read fetches the metadata from the nodes (the first copy that hashes to
// the blob ID wins), then the systematic primary slivers that hold the
// requested range, verifying each; liars and failing nodes are logged and
// skipped, and if any needed row is missing or bad it falls back to any p
// verified primary slivers and decodes. A node that fails at the transport
// level (refused, timeout, truncated body) is not asked again during the
// same read, so a slow node costs at most one request timeout; the whole
// read is bounded by Config.ReadTimeout.
//
// Nodes running in the same process (the embedded network) can be called
// without HTTP: Config.Local maps a node's URL to its handler, which then
// runs directly (callLocal) with the same request timeout, the same
// answer checks and the same classification of failures (a handler that
// panics, as a stopped embedded node does, is a transport failure).
// Everything a node answers is verified exactly as over HTTP.
//
// Against nodes of a Walrus network (or chain-mode nodes), the metadata
// PUT is tried again while a node answers NOT_REGISTERED (3 times, 1 s
// apart, as the TS SDK), Config.Pending sends uploads with ?pending=true,
// and Confirmation fetches a node's signed storage confirmation. Errors
// of those paths say what went wrong through errors.Is: ErrNotRegistered,
// ErrMissingSlivers, ErrRefused, ErrNodeDown, ErrBadResponse.
package committee
