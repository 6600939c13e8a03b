package fs

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMountCountsActivity: every request through a kernel mount is
// counted as foreground activity (which background uploads yield to),
// and none is left in flight once the calls return.
func TestMountCountsActivity(t *testing.T) {
	skipNoFUSE(t)
	e := newEnv(t, envOptions{})
	m := mountOn(t, e)
	_, before := e.fs.Requests()
	p := filepath.Join(m.mnt, "f")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, afterCreate := e.fs.Requests()
	// LOOKUP, CREATE, WRITE, FLUSH at least (RELEASE may come later).
	if afterCreate < before+4 {
		t.Fatalf("a create through the mount counted %d requests, want at least 4", afterCreate-before)
	}
	// Extended attributes are never cached by the kernel: a request.
	if _, err := unix.Getxattr(p, "user.walrus.state", make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
	if _, n := e.fs.Requests(); n <= afterCreate {
		t.Fatal("a getxattr through the mount was not counted")
	}
	// The kernel sends RELEASE after close(2) returns: wait for it.
	eventually(t, "no request in flight", func() bool { n, _ := e.fs.Requests(); return n == 0 })
}
