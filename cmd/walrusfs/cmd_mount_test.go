package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"

	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/internal/fusetest"
	"github.com/walrusfs/walrusfs/internal/syncbuf"
)

// TestHelperDaemon is not a test: run as a child process with
// WALRUSFS_HELPER_ARGS set, it runs the walrusfs command line with those
// (separated by \x1f) arguments and exits with its code.
func TestHelperDaemon(t *testing.T) {
	args := os.Getenv("WALRUSFS_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process only")
	}
	code := run(context.Background(), &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, strings.Split(args, "\x1f"))
	os.Exit(code)
}

func isMounted(t *testing.T, mnt string) bool {
	mounts, err := mountinfo.GetMounts(mountinfo.SingleEntryFilter(mnt))
	if err != nil {
		t.Fatal(err)
	}
	return len(mounts) > 0
}

// TestMountCommand runs `walrusfs mount` as a subprocess, then drives it
// with status, sync and umount, and checks that a second daemon on the
// same data directory fails at once with a clear message.
func TestMountCommand(t *testing.T) {
	fusetest.Need(t)
	dd, mnt := t.TempDir(), t.TempDir()
	var logs syncbuf.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDaemon$")
	cmd.Env = append(os.Environ(), "WALRUSFS_HELPER_ARGS="+strings.Join([]string{
		"mount", "--data-dir", dd, "--nodes", "4", "--shards", "10", "--chunk-size", "1M", "--cpuprofile", filepath.Join(dd, "cpu.prof"), mnt}, "\x1f"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{}) // closed when the daemon has exited
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		if isMounted(t, mnt) {
			_ = syscall.Unmount(mnt, syscall.MNT_DETACH)
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})

	// Wait for the control socket to answer.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _, _ := cli(t, nil, "status", "--data-dir", dd); code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("daemon did not come up")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !isMounted(t, mnt) {
		t.Fatal("status answers but nothing is mounted")
	}

	// Write through the mount (this process is not the server: no deadlock).
	want := map[string][]byte{"a.txt": []byte("hello\n"), "big.bin": bytes.Repeat([]byte("walrus!"), 500_000)}
	for name, data := range want {
		if err := os.WriteFile(filepath.Join(mnt, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := cli(t, nil, "status", "--data-dir", dd)
	if code != 0 || !strings.Contains(out, "pending:") || !strings.Contains(out, "mounted:    "+mnt) {
		t.Fatalf("status: %d %q %q", code, out, errs)
	}
	if code, out, errs = cli(t, nil, "sync", "--data-dir", dd); code != 0 {
		t.Fatalf("sync: %d %q %q", code, out, errs)
	}
	code, out, errs = cli(t, nil, "status", "--data-dir", dd, "--json")
	var st control.Status
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("status --json: %d %q %q", code, out, errs)
	}
	if st.PendingFiles != 0 || st.Blobs == 0 || len(st.Failures) != 0 {
		t.Fatalf("after sync: %+v", st)
	}

	// A second daemon on the same data directory fails at once.
	start := time.Now()
	code, _, errs = cli(t, nil, "mount", "--data-dir", dd, t.TempDir())
	if code != 1 || !strings.Contains(errs, "another walrusfs daemon is already using this data directory") {
		t.Fatalf("second daemon: exit %d, %q", code, errs)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("second daemon took %v to fail", d)
	}

	for name, data := range want {
		if got, err := os.ReadFile(filepath.Join(mnt, name)); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if code, out, errs = cli(t, nil, "umount", mnt); code != 0 {
		t.Fatalf("umount: %d %q %q", code, out, errs)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("daemon exit: %v", waitErr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not exit after umount")
	}
	if isMounted(t, mnt) {
		t.Fatal("still mounted after umount")
	}
	if code, _, errs = cli(t, nil, "status", "--data-dir", dd); code == 0 || !strings.Contains(errs, "no walrusfs daemon") {
		t.Fatalf("status without daemon: %d %q", code, errs)
	}
	// --cpuprofile wrote a profile of the daemon's life (gzip).
	if b, err := os.ReadFile(filepath.Join(dd, "cpu.prof")); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("--cpuprofile: %d bytes, %v", len(b), err)
	}
	if code, _, errs = cli(t, nil, "mount", "--cpuprofile", filepath.Join(dd, "no", "such", "dir", "p"), "--data-dir", t.TempDir(), t.TempDir()); code == 0 || !strings.Contains(errs, "--cpuprofile") {
		t.Fatalf("--cpuprofile in a missing directory: %d %q", code, errs)
	}
}
