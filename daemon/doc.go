// Package daemon runs a walrusfs mount: RunDaemon opens the index of a
// data directory (its lock keeps a second daemon out), chooses and opens
// the back end, the block cache and the core (vfs.FS), mounts it (package
// fs), serves the control socket (package control) and, on a signal, an
// unmount request or an unmount from outside, stops in order: uploads in
// flight get a grace period, the rest stays queued in the index.
//
//   - daemon.go: RunDaemon and DaemonConfig.
//   - daemon_store.go, backend.go: the back end (the embedded local
//     network by default, or Walrus), remembered per data directory in
//     backend.json (BackendFile) so a different one later is an error.
//   - expiry.go: on Walrus, the epoch watcher reads the epoch from Sui and
//     warns before blobs in use expire; status shows the figures.
//   - status.go: what `walrusfs status` shows (control.Daemon).
//   - mountinfo.go: the mount table; a dead mount left by a killed daemon
//     is removed before mounting again (RemoveDeadMount).
//
// This is the only package that knows the concrete back ends, Sui and
// the kernel bridge together; below it the core sees a blobstore.Store
// and its optional interfaces only.
package daemon
