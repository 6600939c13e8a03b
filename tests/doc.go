// Package tests holds walrusfs's end-to-end tests: the real binary runs as a
// daemon subprocess that mounts with FUSE, and real tools (rsync, restic,
// sha256 over the tree) drive the mount. They need root and /dev/fuse and
// are skipped otherwise, and in -short mode.
//
// A failing test prints the end of its daemon's log; with
// WALRUSFS_E2E_LOGS=DIR it also writes the whole log there (a goroutine
// dump after SIGQUIT to a hung daemon, say).
package tests
