// Package fusetest is the one check tests make before they mount: the
// project's mount tests use go-fuse's direct mount, which needs root and
// /dev/fuse.
package fusetest

import (
	"os"
	"testing"
)

// Need skips t when this process cannot mount FUSE file systems (not
// root, or no /dev/fuse), saying which.
func Need(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("FUSE mount tests need root (go-fuse's direct mount, no fusermount3)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse: FUSE mount tests skipped")
	}
}
