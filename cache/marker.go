package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// markerPrefix starts the name of the empty file in the cache directory
// that says the cache is open, and since which boot: open-<boot ID> (see
// doc.go, "Crashes"). It is empty so that it never counts against the
// cap: the boot ID is in its name.
const markerPrefix = "open-"

// bootIDPath holds a random ID the Linux kernel draws at every boot.
const bootIDPath = "/proc/sys/kernel/random/boot_id"

// readBootID is the default Options.BootID.
func readBootID() (string, error) {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("%s is empty", bootIDPath)
	}
	return id, nil
}

// checkMarker decides, before the blocks in dir are indexed, whether they
// can be trusted, and marks the cache open for this boot. Blocks are
// written without fsync, so after a crash of the machine one may be a
// hole of zeros under a block name; after a crash of the process only,
// the kernel still has every byte written. So: a marker left by another
// boot means the machine went down with the cache open, and every block
// is deleted; a marker of this boot means only a process died, and the
// blocks are kept. The marker of this boot is durable before checkMarker
// returns, hence before any block is written, and older markers are
// removed only after it.
func (c *Cache) checkMarker(dir, layout string) error {
	boot, err := c.bootID()
	if err != nil || boot == "" || strings.ContainsAny(boot, "/\x00") || len(boot) > 200 {
		// Without a usable boot ID every unclean end counts as a
		// machine crash: an unnamed marker never matches.
		c.log.Warn("cache: no usable boot ID; a crash will empty the cache", "boot", boot, "err", err)
		boot = ""
	}
	mine := markerPrefix + boot
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	var others []string
	have := false
	for _, e := range ents {
		switch {
		case !strings.HasPrefix(e.Name(), markerPrefix):
		case e.Name() == mine && boot != "":
			have = true
		default:
			others = append(others, e.Name())
		}
	}
	switch {
	case len(others) > 0:
		c.log.Warn("cache: the machine went down while the cache was open; its blocks may be torn, deleting them",
			"dir", layout, "markers", others, "boot", boot)
		if err := os.RemoveAll(layout); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
	case have:
		c.log.Info("cache: the previous run of this boot did not close the cache; keeping its blocks")
	}
	if !have {
		f, err := os.OpenFile(filepath.Join(dir, mine), os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		f.Close()
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	for _, o := range others {
		if err := os.Remove(filepath.Join(dir, o)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cache: %w", err)
		}
	}
	c.marker = filepath.Join(dir, mine)
	return nil
}

// closeMarker makes every block written durable (syncfs of the file
// system holding the cache), then removes the marker: the next New keeps
// the blocks whatever happened in between.
func (c *Cache) closeMarker() error {
	dir := filepath.Dir(c.marker)
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("cache: syncfs %s: %w", dir, err)
	}
	if err := os.Remove(c.marker); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := d.Sync(); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("cache: sync %s: %w", dir, err)
	}
	return nil
}
