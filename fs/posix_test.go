package fs

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hanwen/go-fuse/v2/posixtest"
)

// TestPosix runs go-fuse's whole posixtest suite against a real mount,
// one fresh mount per test. The global map is copied, never modified.
func TestPosix(t *testing.T) {
	skipNoFUSE(t)
	tests := maps.Clone(posixtest.All)
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		t.Run(name, func(t *testing.T) {
			if reason, ok := posixNotApplicable[name]; ok {
				t.Skip(reason)
			}
			m := mountEnv(t, nil)
			tests[name](t, m.mnt)
		})
	}
}

// posixNotApplicable lists the posixtest cases that assert behaviour POSIX
// itself rules out, with the reason.
var posixNotApplicable = map[string]string{
	// FcntlFlockLocksFile takes a F_WRLCK with F_SETLK on one fd and
	// expects a F_RDLCK with F_SETLK on a second fd of the SAME process to
	// fail with EAGAIN. POSIX record locks belong to the process: a
	// process never conflicts with itself, and the second F_SETLK just
	// converts its own lock (ext4 and tmpfs return success too; see
	// TestFcntlLockSemanticsMatchLocalFS). Passing it would need
	// per-descriptor ownership for classic fcntl locks, which breaks
	// programs relying on POSIX semantics (SQLite). go-fuse's own
	// posixtest_test.go and JuiceFS skip it for the same reason. Lock
	// conflicts between processes and between flock descriptors are
	// tested in TestLocks.
	"FcntlFlockLocksFile": "asserts non-POSIX per-descriptor fcntl locks (see posixNotApplicable)",
}

// TestFcntlLockSemanticsMatchLocalFS shows why FcntlFlockLocksFile is not
// applicable: on the local filesystem (and on the mount) a process's second
// fcntl lock on another descriptor of the same file does not conflict with
// its first one.
func TestFcntlLockSemanticsMatchLocalFS(t *testing.T) {
	check := func(dir string) error {
		p := filepath.Join(dir, "test")
		f1, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f1.Close()
		if err := unix.FcntlFlock(f1.Fd(), unix.F_SETLK, &unix.Flock_t{Type: unix.F_WRLCK}); err != nil {
			return err
		}
		f2, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer f2.Close()
		return unix.FcntlFlock(f2.Fd(), unix.F_SETLK, &unix.Flock_t{Type: unix.F_RDLCK})
	}
	if err := check(t.TempDir()); err != nil {
		t.Fatalf("local filesystem: second lock of the same process: %v (POSIX: success)", err)
	}
	m := mountEnv(t, nil)
	if err := check(m.mnt); err != nil {
		t.Fatalf("mount: second lock of the same process: %v (POSIX: success)", err)
	}
}
