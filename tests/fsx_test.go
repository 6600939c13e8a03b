package tests

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fsxPath finds the xfstests fsx binary: $WALRUSFS_TOOLS/fsx/fsx, else
// ../../shared/tools/fsx/fsx from this directory (CI keeps the shared/
// directory beside the clone). Empty if neither exists.
func fsxPath() string {
	var cands []string
	if d := os.Getenv("WALRUSFS_TOOLS"); d != "" {
		cands = append(cands, filepath.Join(d, "fsx", "fsx"))
	}
	cands = append(cands, filepath.Join("..", "..", "shared", "tools", "fsx", "fsx"))
	for _, c := range cands {
		if info, err := os.Stat(c); err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0 {
			abs, err := filepath.Abs(c)
			if err == nil {
				return abs
			}
		}
	}
	return ""
}

// envInt reads a positive integer from the environment, def if unset.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}

// TestFsx runs the xfstests file-system exerciser on a real mount: random
// writes, reads, mapped reads and writes (mmap + msync, which reaches the
// daemon as fsync and starts uploads while the file is in use), truncates
// up and down, fallocate (with and without KEEP_SIZE), punch hole and
// copy_file_range on one file, checking size and content against fsx's
// own model after every operation. The default is 4 seeds x 5000
// operations; WALRUSFS_FSX_SEEDS and WALRUSFS_FSX_OPS run more. fsx's
// side files (.fsxlog, .fsxops, .fsxgood) go to a local directory, so a
// failing seed can be replayed with --replay-ops.
func TestFsx(t *testing.T) {
	needFUSE(t)
	fsx := fsxPath()
	if fsx == "" {
		t.Skip("fsx not found: set WALRUSFS_TOOLS to the directory holding fsx/fsx, or keep the shared/ directory beside the clone (../shared/tools/fsx/fsx)")
	}
	seeds := envInt(t, "WALRUSFS_FSX_SEEDS", 4)
	ops := envInt(t, "WALRUSFS_FSX_OPS", 5000)
	root := t.TempDir()
	d := mount(t, filepath.Join(root, "data"), filepath.Join(root, "mnt"))
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			side := t.TempDir()
			file := filepath.Join(d.mnt, fmt.Sprintf("fsx%d", seed))
			args := []string{"-q", "-N", strconv.Itoa(ops), "-l", "4000000", "-S", strconv.Itoa(seed), "-P", side, file}
			// A healthy run of 5000 operations takes seconds; the
			// deadline turns a hang into a failure with fsx's output.
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(ops)*20*time.Millisecond+2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, fsx, args...)
			cmd.Dir = side
			cmd.WaitDelay = 10 * time.Second
			out, err := cmd.CombinedOutput()
			if err != nil {
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					err = fmt.Errorf("%w (no answer within %v: hung?)", err, time.Duration(ops)*20*time.Millisecond+2*time.Minute)
				}
				t.Fatalf("fsx %v: %v\nreplay: fsx -l 4000000 --replay-ops %s FILE\n%s", args, err,
					filepath.Join(side, filepath.Base(file)+".fsxops"), tail(string(out), 6000))
			}
			if want := fmt.Sprintf("All %d operations completed A-OK!", ops); !strings.Contains(string(out), want) {
				t.Fatalf("fsx %v exited 0 without %q:\n%s", args, want, tail(string(out), 6000))
			}
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
		})
	}
}
