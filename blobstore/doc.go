// Package blobstore defines the interface every walrusfs blob back end
// implements, and the errors it reports.
//
// A blob is an immutable byte string named by its Walrus blob ID (see
// package blobid): the ID commits to the content, so a back end can never
// hand out bytes that do not belong to the ID without the reader noticing.
// Implementations verify before they return: Read returns only bytes that
// have been checked against the blob ID (sliver hashes against the blob's
// metadata, the metadata against the ID).
//
// Back ends:
//   - mem: an in-memory fake for tests;
//   - walrus: real Walrus through publishers and aggregators;
//   - localnet/committee: a client over a committee of storage nodes
//     (localnet/node), which is what the embedded local network (package
//     localnet) runs.
//
// Every implementation runs the conformance suite in blobstoretest.
//
// What only some back ends can do is an optional interface (optional.go),
// found with As, which looks through decorators that implement Wrapper:
//   - Forgetter: blobs cannot be deleted by the mount, only forgotten
//     (walrus); the blob collector calls Forget instead of Delete;
//   - EpochReporter: blobs live until an end epoch (walrus); files show
//     it as user.walrus.end_epoch.
//
// A Store without them gets neither behaviour; callers never test for a
// concrete back end.
//
// Errors are classified with the sentinels ErrNotFound, ErrUnavailable and
// ErrInvalid (use errors.Is) so that the FUSE layer can map them to errno
// once; IsPermanent tells a retry loop when to stop.
//
// Blobs are named by blobid.ID; that leaf package is the only walrusfs
// package this one imports.
package blobstore
