package node

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/walrusfs/walrusfs/internal/atomicfile"
)

// writeFileAtomic makes path hold data, or leaves it as it was (see
// atomicfile.WriteFile). With sync false the fsyncs are skipped (tests of
// CPU paths only).
func writeFileAtomic(path string, data []byte, sync bool) error {
	return atomicfile.WriteFile(path, data, &atomicfile.Options{NoSync: !sync, MkdirAll: true})
}

// removeTemps deletes leftover temporary files under root.
func removeTemps(root string) error {
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && atomicfile.IsTemp(d.Name()) {
			return os.Remove(p)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
