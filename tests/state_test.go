package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStatesScriptsWaitOn: user.walrus.state only ever says staged,
// uploading or stored, and a script that waits until every file is stored
// finishes: an empty file and one made only of holes are stored at once
// (nothing is pending), a written file becomes stored, and walrusfs sync
// agrees.
func TestStatesScriptsWaitOn(t *testing.T) {
	needFUSE(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	mount(t, data, mnt)
	state := func(name string) string {
		t.Helper()
		buf := make([]byte, 64)
		n, err := unix.Getxattr(filepath.Join(mnt, name), "user.walrus.state", buf)
		if err != nil {
			t.Fatalf("getxattr %s: %v", name, err)
		}
		return string(buf[:n])
	}
	if err := os.WriteFile(filepath.Join(mnt, "empty"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mnt, "holes"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(mnt, "holes"), 100<<20); err != nil {
		t.Fatal(err)
	}
	writeRandomFile(t, filepath.Join(mnt, "data"), 3<<20, 1)
	for _, name := range []string{"empty", "holes"} {
		if s := state(name); s != "stored" {
			t.Errorf("%s: state %q right after creation, want stored", name, s)
		}
	}
	if s := state("data"); s != "staged" && s != "uploading" && s != "stored" {
		t.Errorf("data: state %q", s)
	}
	// A written file truncated to nothing has nothing pending either.
	writeRandomFile(t, filepath.Join(mnt, "cut"), 1<<20, 2)
	if err := os.Truncate(filepath.Join(mnt, "cut"), 0); err != nil {
		t.Fatal(err)
	}
	walrusfs(t, "sync", "--data-dir", data)
	for _, name := range []string{"empty", "holes", "data", "cut"} {
		if s := state(name); s != "stored" {
			t.Errorf("%s: state %q after walrusfs sync, want stored", name, s)
		}
	}
	// What a script does without walrusfs sync: poll every file until
	// it is stored. It must finish.
	writeRandomFile(t, filepath.Join(mnt, "late"), 1<<20, 3)
	deadline := time.Now().Add(2 * time.Minute)
	for _, name := range []string{"empty", "holes", "data", "cut", "late"} {
		for s := state(name); s != "stored"; s = state(name) {
			if s != "staged" && s != "uploading" {
				t.Fatalf("%s: state %q, want staged, uploading or stored", name, s)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still %q after 2 minutes", name, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if out := walrusfs(t, "status", "--data-dir", data); !strings.Contains(out, "pending:    0 files") {
		t.Errorf("status disagrees: something is pending:\n%s", out)
	}
}
