// Package blobstoretest is the conformance suite every blobstore.Store
// implementation runs: call Run from a test with a constructor that returns
// a fresh, empty store.
//
//	func TestConformance(t *testing.T) {
//		blobstoretest.Run(t, func(t *testing.T) blobstore.Store { return newStore(t) })
//	}
//
// The suite covers empty and one-byte blobs, byte ranges at and around
// boundaries, missing blobs, malformed requests, idempotent puts, delete,
// list and concurrent use (32 writers and readers at once).
package blobstoretest
