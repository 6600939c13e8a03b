package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	wfs "github.com/walrusfs/walrusfs/fs"
)

// runUmount: walrusfs umount MOUNTPOINT
// Asks the daemon serving MOUNTPOINT (found through /proc/self/mountinfo,
// whose source field is the daemon's data directory) to unmount and exit,
// which finishes or persists its uploads. Without a daemon it unmounts
// directly (umount2 as root, fusermount3 -u otherwise).
func runUmount(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "umount", "MOUNTPOINT")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"exactly one MOUNTPOINT is needed"}
	}
	mnt, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	dataDir, err := walrusMountSource(mnt)
	if err != nil {
		return err
	}
	err = wfs.NewClient(dataDir).Unmount(ctx)
	if err == nil {
		return nil
	}
	if !errors.Is(err, wfs.ErrNoDaemon) {
		return err
	}
	// The daemon is gone: killed (remove its dead mount), or it exited
	// after unmounting while we asked (nothing left to do).
	if _, err := walrusMountSource(mnt); err != nil {
		return nil
	}
	if os.Geteuid() == 0 {
		return syscall.Unmount(mnt, 0)
	}
	out, err := exec.CommandContext(ctx, "fusermount3", "-u", mnt).CombinedOutput()
	if err != nil {
		return fmt.Errorf("fusermount3 -u %s: %v: %s", mnt, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// walrusMountSource returns the source (data directory) of the walrusfs
// mount at mnt.
func walrusMountSource(mnt string) (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, fl := range fields {
			if fl == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || len(fields) < sep+3 {
			continue
		}
		if unescapeMount(fields[4]) == mnt && fields[sep+1] == "fuse.walrusfs" {
			return unescapeMount(fields[sep+2]), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s is not a walrusfs mount", mnt)
}

// unescapeMount decodes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
