// Package atomicfile replaces files so that a crash leaves either the old
// content or the new one, never a mix or an empty file.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TempPrefix starts the name of the temporary file WriteFile writes next
// to its target; a crash can leave one behind (see IsTemp).
const TempPrefix = ".tmp-"

// Options adjust WriteFile. The zero value is durable, mode 0o600.
type Options struct {
	// Perm is the new file's mode (0 means 0o600).
	Perm os.FileMode
	// NoSync skips the fsyncs: the replacement is still atomic against a
	// crash of the process, not of the machine. For tests of CPU paths.
	NoSync bool
	// MkdirAll creates the directory first (mode 0o755).
	MkdirAll bool
}

// WriteFile makes path hold data or leaves it as it was: it writes a
// temporary file in the same directory, fsyncs it, renames it over path
// and fsyncs the directory, so the rename itself survives a power cut.
func WriteFile(path string, data []byte, o *Options) (err error) {
	if o == nil {
		o = &Options{}
	}
	perm := o.Perm
	if perm == 0 {
		perm = 0o600
	}
	dir := filepath.Dir(path)
	if o.MkdirAll {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp(dir, TempPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if !o.NoSync {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if o.NoSync {
		return nil
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, making renames and creations in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// IsTemp reports whether a directory entry's name is a temporary file of
// WriteFile, which a crash may have left (safe to delete when no write
// is running).
func IsTemp(name string) bool { return strings.HasPrefix(name, TempPrefix) }
