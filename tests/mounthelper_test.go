package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMountHelper: mount.walrusfs, what mount(8) runs for an fstab entry
// "DATA-DIR MOUNTPOINT walrusfs OPTIONS", mounts in the background with
// the options as mount flags and returns once the mount is served; umount
// unmounts and the daemon exits; a second mount shows the same files; a
// mount that cannot start fails with the daemon's own message.
func TestMountHelper(t *testing.T) {
	needFUSE(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	helper := filepath.Join(base, "mount.walrusfs")
	if err := os.Symlink(binary, helper); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if isMounted(mnt) {
			_ = exec.Command(binary, "umount", mnt).Run()
			lazyUnmount(mnt)
		}
	})
	mountHelper := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, helper, args...).CombinedOutput()
		return string(out), err
	}
	// umount(8) unmounts; the daemon notices and exits.
	unmountAndWait := func() {
		t.Helper()
		var st struct {
			PID int `json:"pid"`
		}
		if err := json.Unmarshal([]byte(walrusfs(t, "status", "--data-dir", data, "--json")), &st); err != nil || st.PID == 0 {
			t.Fatalf("status: pid %d, %v", st.PID, err)
		}
		if err := unix.Unmount(mnt, 0); err != nil {
			t.Fatalf("umount: %v", err)
		}
		deadline := time.Now().Add(time.Minute)
		for running(st.PID) {
			if time.Now().After(deadline) {
				t.Fatal("the daemon still runs a minute after umount")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if out, err := mountHelper(data, mnt, "-o", "rw,_netdev,noauto,x-systemd.automount,durability=close,cache-size=64M"); err != nil {
		t.Fatalf("mount.walrusfs: %v\n%s", err, out)
	}
	if !isMounted(mnt) {
		t.Fatal("mount.walrusfs returned but nothing is mounted")
	}
	writeRandomFile(t, filepath.Join(mnt, "f"), 3<<20, 7)
	want := fileSHA(t, filepath.Join(mnt, "f"))
	unmountAndWait()
	if out, err := mountHelper(data, mnt); err != nil {
		t.Fatalf("second mount.walrusfs: %v\n%s", err, out)
	}
	if got := fileSHA(t, filepath.Join(mnt, "f")); got != want {
		t.Fatal("file changed across umount and mount")
	}
	log, err := os.ReadFile(filepath.Join(data, "walrusfs.log"))
	if err != nil || !strings.Contains(string(log), "msg=mounted") {
		t.Fatalf("daemon log: %v\n%s", err, log)
	}
	unmountAndWait()
	// A bad option is refused before anything starts; a mount that cannot
	// start reports why.
	if out, err := mountHelper(data, mnt, "-o", "bogus"); err == nil || !strings.Contains(out, "bogus") {
		t.Fatalf("bad option: %v\n%s", err, out)
	}
	out, err := mountHelper(data, filepath.Join(base, "missing"))
	if err == nil || !strings.Contains(out, "not a directory") {
		t.Fatalf("missing mountpoint: %v\n%s", err, out)
	}
}

// running reports whether process pid exists and is not a zombie.
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
