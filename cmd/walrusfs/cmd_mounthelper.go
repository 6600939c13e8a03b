package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/daemon"
)

// mountHelperName is the name mount(8) runs for file systems of type
// walrusfs (fstab: "DATA-DIR MOUNTPOINT walrusfs OPTIONS 0 0"): install a
// symlink /sbin/mount.walrusfs -> walrusfs.
const mountHelperName = "mount.walrusfs"

// helperLog is the file in the data directory that receives the log of a
// daemon started by mount.walrusfs (it has no terminal).
const helperLog = "walrusfs.log"

// helperMountWait bounds how long mount.walrusfs waits for the daemon to
// serve the mount (a Walrus mount reads Sui at start).
const helperMountWait = 2 * time.Minute

// ignoredMountOptions are the generic options of fstab and mount(8) that
// mean nothing to walrusfs (FUSE mounts are always nodev and nosuid).
var ignoredMountOptions = map[string]bool{
	"defaults": true, "rw": true, "auto": true, "noauto": true, "user": true, "nouser": true, "users": true,
	"owner": true, "group": true, "_netdev": true, "nofail": true, "dev": true, "nodev": true, "suid": true,
	"nosuid": true, "exec": true, "noexec": true, "async": true, "atime": true, "noatime": true,
	"relatime": true, "norelatime": true, "strictatime": true, "nodiratime": true, "diratime": true,
}

// runMountHelper is mount.walrusfs, the helper mount(8) calls for fstab
// entries of type walrusfs:
//
//	mount.walrusfs DATA-DIR MOUNTPOINT [-sfnv] [-N NS] [-o OPTIONS] [-t TYPE]
//
// OPTIONS are mount(8)'s comma-separated list. Generic ones (defaults,
// _netdev, noauto, x-systemd.*, ...) are ignored; every other one names a
// flag of walrusfs mount, with its value after "=" (durability=close,
// cache-size=4G, network=testnet, sync-uploads). The helper starts
// `walrusfs mount --data-dir DATA-DIR [flags] MOUNTPOINT` in the
// background, logging to DATA-DIR/walrusfs.log, and returns once the mount
// is served, or fails with the end of that log. umount(8) unmounts; the
// daemon then exits, persisting its queued uploads.
func runMountHelper(ctx context.Context, env *cliEnv, args []string) error {
	spec, mnt, flags, fake, err := parseHelperArgs(env, args)
	if err != nil {
		return err
	}
	if fake {
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the walrusfs binary: %w", err)
	}
	if err := os.MkdirAll(spec, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	logPath := filepath.Join(spec, helperLog)
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("daemon log: %w", err)
	}
	defer logf.Close()
	start, _ := logf.Seek(0, 2)
	cmdArgs := append([]string{"mount", "--data-dir", spec}, flags...)
	cmdArgs = append(cmdArgs, mnt)
	cmd := exec.Command(self, cmdArgs...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own session: the daemon outlives mount(8) and is not killed
	// with the caller's terminal or process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the walrusfs daemon: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.NewTimer(helperMountWait)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if served(ctx, spec, mnt) {
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the walrusfs daemon exited (%v) before mounting: %s", err, logTail(logPath, start))
		case <-deadline.C:
			_ = cmd.Process.Kill()
			return fmt.Errorf("the walrusfs daemon did not mount %s within %v: %s", mnt, helperMountWait, logTail(logPath, start))
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// parseHelperArgs parses mount(8)'s helper arguments into the data
// directory, the mountpoint (both absolute) and walrusfs mount flags; fake
// is mount -f (do everything but mount).
func parseHelperArgs(env *cliEnv, args []string) (spec, mnt string, flags []string, fake bool, err error) {
	var pos, opts []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" || a == "-N" || a == "-t":
			if i+1 == len(args) {
				return "", "", nil, false, usageError{a + " needs a value"}
			}
			if a == "-o" {
				opts = append(opts, strings.Split(args[i+1], ",")...)
			}
			i++
		case strings.HasPrefix(a, "-o"):
			opts = append(opts, strings.Split(a[2:], ",")...)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for _, c := range a[1:] {
				switch c {
				case 'f':
					fake = true
				case 's', 'n', 'v':
				default:
					return "", "", nil, false, usageError{fmt.Sprintf("unknown option -%c", c)}
				}
			}
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return "", "", nil, false, usageError{"usage: " + mountHelperName + " DATA-DIR MOUNTPOINT [-o OPTIONS]"}
	}
	if spec, err = filepath.Abs(pos[0]); err == nil {
		mnt, err = filepath.Abs(pos[1])
	}
	if err != nil {
		return "", "", nil, false, err
	}
	flags, err = mountFlagsFromOptions(env, opts)
	return spec, mnt, flags, fake, err
}

// mountFlagsFromOptions turns mount options into flags of walrusfs mount,
// refusing options that are neither generic nor a mount flag.
func mountFlagsFromOptions(env *cliEnv, opts []string) ([]string, error) {
	known := mountFlagSet(env)
	var flags []string
	for _, o := range opts {
		o = strings.TrimSpace(o)
		key, val, hasVal := strings.Cut(o, "=")
		switch {
		case o == "" || ignoredMountOptions[key] || strings.HasPrefix(key, "x-") || key == "comment":
			continue
		case key == "ro":
			return nil, usageError{"option ro: walrusfs mounts are read-write"}
		case key == "data-dir":
			return nil, usageError{"option data-dir: the data directory is the first field of the fstab entry"}
		}
		f := known.Lookup(key)
		if f == nil {
			return nil, usageError{fmt.Sprintf("unknown mount option %q (generic options and the flags of walrusfs mount are accepted)", o)}
		}
		if hasVal {
			flags = append(flags, "--"+key+"="+val)
			continue
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !bf.IsBoolFlag() {
			return nil, usageError{fmt.Sprintf("mount option %q needs a value (%s=...)", key, key)}
		}
		flags = append(flags, "--"+key)
	}
	return flags, nil
}

// mountFlagSet returns the flags walrusfs mount defines.
func mountFlagSet(env *cliEnv) *flag.FlagSet {
	fs, _ := newMountFlags(env)
	return fs
}

// served reports whether the walrusfs mount of dataDir is at mnt and its
// daemon answers on the control socket.
func served(ctx context.Context, dataDir, mnt string) bool {
	src, err := daemon.MountSource(mnt)
	if err != nil || src != dataDir {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err = control.NewClient(dataDir).Status(ctx)
	return err == nil
}

// logTail returns the daemon's log from offset start, at most its last
// 2000 bytes, on one line.
func logTail(path string, start int64) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "no log: " + err.Error()
	}
	if start < int64(len(b)) {
		b = b[start:]
	} else {
		b = nil
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	if len(b) == 0 {
		return "the log " + path + " is empty"
	}
	return "log " + path + ": " + strings.TrimSpace(string(b))
}
