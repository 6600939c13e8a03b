package fs

import (
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"strconv"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/vfs"
)

// MountOptions configures Mount. Nil means defaults.
type MountOptions struct {
	// Debug logs every FUSE operation (go-fuse's tracing) to stderr.
	Debug bool
	// AllowOther lets other users use the mount. Default: when root.
	AllowOther *bool
	// FsName is shown by mount(8) and df; default "walrusfs".
	FsName string
}

// ErrNoFusermount means a non-root user cannot mount: go-fuse needs
// fusermount3 (or fusermount) to mount without privileges.
var ErrNoFusermount = errors.New("mounting as a non-root user needs fusermount3 (Debian/Ubuntu package fuse3; Fedora fuse3): install it or run as root")

// Mount mounts f on dir and serves it in the background; the caller waits
// with server.Wait and unmounts with server.Unmount. As root it calls
// mount(2) itself (go-fuse DirectMount), so nothing needs installing;
// otherwise it uses fusermount3. Options (see doc.go): default_permissions
// (the kernel checks modes), allow_other when root, 1 s entry and
// attribute timeouts, no direct I/O (mmap works), kernel-local locks, and
// (as root) a kernel read-ahead of 1 MiB instead of 128 KiB, so that
// sequential reads arrive as 1 MiB requests (raiseReadAhead).
func Mount(dir string, f *vfs.FS, o *MountOptions) (*fuse.Server, error) {
	if o == nil {
		o = &MountOptions{}
	}
	root := os.Geteuid() == 0
	if !root && !haveFusermount() {
		return nil, ErrNoFusermount
	}
	allowOther := root
	if o.AllowOther != nil {
		allowOther = *o.AllowOther
	}
	name := o.FsName
	if name == "" {
		name = "walrusfs"
	}
	t := timeouts
	opts := &fusefs.Options{
		EntryTimeout:    &t,
		AttrTimeout:     &t,
		NegativeTimeout: &t,
		RootStableAttr:  &fusefs.StableAttr{Ino: index.RootIno, Gen: 1},
		// Modes are reported as stored: without this go-fuse shows a
		// file created with mode 0000 as 0644 (and a directory as 0755).
		NullPermissions: true,
		Logger:          log.New(slogWriter{f.Logger()}, "", 0),
		MountOptions: fuse.MountOptions{
			FsName:       name,
			Name:         "walrusfs",
			DirectMount:  root,
			AllowOther:   allowOther,
			Options:      []string{"default_permissions"},
			MaxWrite:     1 << 20,
			MaxReadAhead: 1 << 20,
			Debug:        o.Debug,
			Logger:       log.New(slogWriter{f.Logger()}, "", 0),
		},
	}
	if f.ReadOnly() {
		// The kernel refuses changes itself (EROFS) before asking; the
		// core refuses them too.
		opts.MountOptions.Options = append(opts.MountOptions.Options, "ro")
	}
	// fusefs.Mount, with every request counted as foreground activity
	// (activity.go).
	raw := &activityFS{RawFileSystem: fusefs.NewNodeFS(&node{fsys: f}, opts), fsys: f}
	server, err := fuse.NewServer(raw, dir, &opts.MountOptions)
	if err != nil {
		return nil, fmt.Errorf("mounting %s: %w", dir, err)
	}
	go server.Serve()
	if err := server.WaitMount(); err != nil {
		return nil, fmt.Errorf("mounting %s: %w", dir, err)
	}
	if err := raiseReadAhead(dir, readAheadKB); err != nil {
		f.Logger().Info("cannot raise the kernel read-ahead of the mount; sequential reads reach the daemon in 128 KiB requests",
			"mountpoint", dir, "err", err)
	}
	return server, nil
}

// readAheadKB is the kernel read-ahead of the mount: MaxReadAhead, as far
// as max_read (MaxWrite) lets requests grow.
const readAheadKB = 1024

// raiseReadAhead sets the kernel read-ahead of the file system mounted on
// dir to kb KiB. The kernel gives every FUSE mount the default of 128 KiB
// and ignores a larger MaxReadAhead (it can only lower it), so a
// sequential read reaches the daemon as 128 KiB READ requests: eight
// round trips per cache block, about a tenth of a cold read's CPU. Only
// the backing device's sysfs knob raises it, and only root may write it.
// Random reads are unaffected: the kernel grows its read-ahead only for
// sequential access.
func raiseReadAhead(dir string, kb int) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return err
	}
	knob := fmt.Sprintf("/sys/class/bdi/%d:%d/read_ahead_kb", unix.Major(st.Dev), unix.Minor(st.Dev))
	return os.WriteFile(knob, []byte(strconv.Itoa(kb)), 0)
}

func haveFusermount() bool {
	for _, name := range []string{"fusermount3", "fusermount"} {
		if _, err := exec.LookPath(name); err == nil {
			return true
		}
	}
	return false
}

// slogWriter turns go-fuse's log.Logger lines into slog records.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	msg := string(p)
	if len(msg) > 0 && msg[len(msg)-1] == '\n' {
		msg = msg[:len(msg)-1]
	}
	w.l.Info(msg, "component", "go-fuse")
	return len(p), nil
}
