package fs

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/walrusfs/walrusfs/internal/fusetest"
	"github.com/walrusfs/walrusfs/vfs"
)

// mounted is an env served through a real kernel mount.
type mounted struct {
	*env
	mnt    string
	server *fuse.Server
}

// skipNoFUSE skips tests that need a kernel mount.
func skipNoFUSE(t *testing.T) {
	t.Helper()
	fusetest.Need(t)
}

// mountEnv mounts a fresh env on a temp dir. The mount is removed when the
// test ends, even if it fails (lazy unmount as a last resort).
func mountEnv(t *testing.T, tweak func(*vfs.Options)) *mounted {
	t.Helper()
	skipNoFUSE(t)
	e := newEnv(t, envOptions{Tweak: tweak})
	return mountOn(t, e)
}

func mountOn(t *testing.T, e *env) *mounted {
	t.Helper()
	m := &mounted{env: e, mnt: t.TempDir()}
	var err error
	m.server, err = Mount(m.mnt, e.fs, &MountOptions{Debug: os.Getenv("WALRUSFS_FUSE_DEBUG") != ""})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.unmount(t) })
	return m
}

// unmount unmounts (idempotent), falling back to a lazy unmount.
func (m *mounted) unmount(t *testing.T) {
	if m.server == nil {
		return
	}
	var err error
	for range 20 {
		if err = m.server.Unmount(); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Errorf("unmount %s: %v; detaching", m.mnt, err)
		_ = syscall.Unmount(m.mnt, syscall.MNT_DETACH)
	}
	m.server.Wait()
	m.server = nil
}
