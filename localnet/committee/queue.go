package committee

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// queue is the persistent repair queue: one file per blob,
// <dir>/<blob-id>, holding a JSON record. The blob ID is the file name, so
// a record truncated by a crash still names its blob. Whoever works on a
// blob (an upload or a repair) holds an exclusive flock on its record; the
// kernel drops the lock when the process dies, so a killed upload's record
// is picked up by the next repair pass.
type queue struct {
	dir string
}

// record is the content of a queue file.
type record struct {
	Size uint64 `json:"size"`
	// Stored is set once the blob reached a write quorum: from then on
	// it must never be removed as an abandoned upload.
	Stored   bool      `json:"stored"`
	Created  time.Time `json:"created"`
	Attempts int       `json:"attempts"`
	Next     time.Time `json:"next"`
}

// entry is a locked queue record.
type entry struct {
	q   *queue
	id  blobid.ID
	f   *os.File
	rec record
}

func openQueue(dataDir string) (*queue, error) {
	dir := filepath.Join(dataDir, "repair")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("network: repair queue: %w", err)
	}
	return &queue{dir: dir}, nil
}

func (q *queue) path(id blobid.ID) string { return filepath.Join(q.dir, id.String()) }

// lock opens and flocks the record of id, creating it if create is set.
// With wait false it returns (nil, nil) if someone else holds the lock or
// (create unset) there is no record.
func (q *queue) lock(ctx context.Context, id blobid.ID, create, wait bool) (*entry, error) {
	flags := os.O_RDWR
	if create {
		flags |= os.O_CREATE
	}
	for {
		f, err := os.OpenFile(q.path(id), flags, 0o644)
		if errors.Is(err, fs.ErrNotExist) && !create {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			if !wait {
				return nil, nil
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		// The holder may have removed the file before we got the lock:
		// then our lock is on a dead inode; start over.
		fi, err1 := f.Stat()
		pi, err2 := os.Stat(q.path(id))
		if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
			f.Close()
			if errors.Is(err2, fs.ErrNotExist) && !create {
				return nil, nil
			}
			continue
		}
		e := &entry{q: q, id: id, f: f}
		if b, err := os.ReadFile(q.path(id)); err == nil && len(b) > 0 {
			_ = json.Unmarshal(b, &e.rec) // a torn record keeps its zero fields
		}
		return e, nil
	}
}

// begin records that an upload of id starts and returns its locked
// entry; the record is durable before begin returns.
func (q *queue) begin(ctx context.Context, id blobid.ID, size uint64) (*entry, error) {
	e, err := q.lock(ctx, id, true, true)
	if err != nil {
		return nil, err
	}
	stored := e.rec.Stored
	e.rec = record{Size: size, Stored: stored, Created: time.Now().UTC()}
	if err := e.write(); err != nil {
		e.release()
		return nil, err
	}
	return e, nil
}

// write rewrites the record in place (the locked inode must stay the
// same) and syncs it and the directory.
func (e *entry) write() error {
	b, err := json.Marshal(e.rec)
	if err != nil {
		return err
	}
	if err := e.f.Truncate(0); err != nil {
		return err
	}
	if _, err := e.f.WriteAt(b, 0); err != nil {
		return err
	}
	if err := e.f.Sync(); err != nil {
		return err
	}
	d, err := os.Open(e.q.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (e *entry) markStored() error {
	e.rec.Stored = true
	return e.write()
}

// done removes the record: nothing is left to do for the blob.
func (e *entry) done() error {
	err := os.Remove(e.q.path(e.id))
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	return err
}

// release drops the lock; the record, if still present, stays queued.
func (e *entry) release() { e.f.Close() }

// forget removes the record of id if nobody is working on it.
func (q *queue) forget(id blobid.ID) error {
	e, err := q.lock(context.Background(), id, false, false)
	if err != nil || e == nil {
		return err
	}
	defer e.release()
	return e.done()
}

// pending lists the blob IDs with a record.
func (q *queue) pending() ([]blobid.ID, error) {
	ents, err := os.ReadDir(q.dir)
	if err != nil {
		return nil, err
	}
	var ids []blobid.ID
	for _, e := range ents {
		if id, err := blobid.Parse(e.Name()); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
