// Package mem is an in-memory blobstore.Store for tests and examples.
//
// It computes real Walrus blob IDs (package rs2, for a chosen shard
// count) and verifies on every read: the stored bytes are re-hashed and
// compared with the ID, so a test that corrupts a blob with Corrupt sees
// ErrUnavailable, never wrong bytes. Verification re-encodes the whole blob,
// so keep blobs small.
package mem
