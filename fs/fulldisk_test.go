package fs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/walrusfs/walrusfs/vfs"
)

// TestMountFullDisk puts the staging area on a 2 MiB tmpfs: a write that
// does not fit fails with ENOSPC (a clear error to the writer, not EIO or a
// silent short file), files written before stay intact and get stored, and
// once space is free again writing works.
func TestMountFullDisk(t *testing.T) {
	skipNoFUSE(t)
	staging := t.TempDir()
	if err := syscall.Mount("tmpfs", staging, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("cannot mount a small tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(staging, syscall.MNT_DETACH) })
	m := mountEnv(t, func(o *vfs.Options) { o.StagingDir = staging })

	keep := bytes.Repeat([]byte("walrus "), 1500)
	keepPath := filepath.Join(m.mnt, "keep.txt")
	if err := os.WriteFile(keepPath, keep, 0o644); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte{0xab}, 4<<20)
	err := os.WriteFile(filepath.Join(m.mnt, "big.bin"), big, 0o644)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("writing 4 MiB into a 2 MiB staging area: %v, want ENOSPC", err)
	}
	if got, err := os.ReadFile(keepPath); err != nil || !bytes.Equal(got, keep) {
		t.Fatalf("keep.txt after the full disk: %v", err)
	}
	if err := os.Remove(filepath.Join(m.mnt, "big.bin")); err != nil {
		t.Fatal(err)
	}
	m.env.sync()
	if st := m.env.state(lookupIno(t, m, "keep.txt")); st.State.String() != "stored" {
		t.Fatalf("keep.txt state %v after sync", st.State)
	}
	// The kernel releases the unlinked file asynchronously; its staging
	// bytes go with the last release.
	eventually(t, "the unlinked file's staging bytes to be freed", func() bool {
		ents, _ := os.ReadDir(staging)
		return len(ents) == 0
	})
	// Space is back: a file that fits is written and read back.
	again := bytes.Repeat([]byte{0xcd}, 1<<20)
	if err := os.WriteFile(filepath.Join(m.mnt, "again.bin"), again, 0o644); err != nil {
		t.Fatalf("writing after space came back: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(m.mnt, "again.bin")); err != nil || !bytes.Equal(got, again) {
		t.Fatalf("again.bin: %v", err)
	}
}

func lookupIno(t *testing.T, m *mounted, name string) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(m.mnt, name), &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}
