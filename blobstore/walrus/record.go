package walrus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
)

// RecordFile is the name of the record log inside Config.DataDir.
const RecordFile = "blobs.jsonl"

// Record is what the store knows about a blob it put: the Sui Blob object
// and its lifetime, as the publisher reported them (§4.1). status and the
// expiry warnings read these.
type Record struct {
	BlobID          blobid.ID `json:"blobId"`
	Size            uint64    `json:"size"`                     // unencoded bytes, computed locally
	EncodedLength   uint64    `json:"encodedLength"`            // what Sui charges for (§1.7)
	ObjectID        string    `json:"objectId,omitempty"`       // Sui Blob object, if known
	RegisteredEpoch uint32    `json:"registeredEpoch,omitzero"` // 0 = unknown
	CertifiedEpoch  uint32    `json:"certifiedEpoch,omitzero"`  // 0 = unknown
	EndEpoch        uint32    `json:"endEpoch"`                 // first epoch it is no longer stored
	Deletable       bool      `json:"deletable"`
	Cost            uint64    `json:"cost"` // FROST paid by the publisher, excluding gas
	Publisher       string    `json:"publisher,omitempty"`
	StoredAt        time.Time `json:"storedAt"`
	// Forgotten marks a log line that removes the blob from the record.
	Forgotten bool `json:"forgotten,omitempty"`
}

// records is the record of put blobs: a map in memory, mirrored by an
// append-only JSON-lines log (one Record per line, the last line for a
// blob wins) compacted when the store opens. The store holds an exclusive
// flock on the log for its lifetime, so two stores never share one.
type records struct {
	mu   sync.Mutex
	m    map[blobid.ID]Record // GUARDED_BY(mu)
	file *os.File             // GUARDED_BY(mu); nil = memory only
	shut bool                 // GUARDED_BY(mu); set by close
}

// openRecords loads (and compacts) dir/blobs.jsonl; dir "" = memory only.
func openRecords(dir string) (*records, error) {
	r := &records{m: map[blobid.ID]Record{}}
	if dir == "" {
		return r, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("walrus: data dir: %w", err)
	}
	path := filepath.Join(dir, RecordFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("walrus: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("walrus: %s is in use by another walrusfs process: %w", path, err)
	}
	m, lines, good, err := readLog(f)
	if err == nil {
		err = f.Truncate(good) // drop a torn last line before appending
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	r.m, r.file = m, f
	if lines > 2*len(m)+64 {
		if err := r.compact(path); err != nil {
			f.Close()
			return nil, err
		}
	}
	return r, nil
}

// LoadRecords reads the record of dir/blobs.jsonl without locking it, for
// tools (status) that run beside a mount. A missing file is an empty record.
func LoadRecords(dir string) ([]Record, error) {
	f, err := os.Open(filepath.Join(dir, RecordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("walrus: %w", err)
	}
	defer f.Close()
	m, _, _, err := readLog(f)
	if err != nil {
		return nil, err
	}
	return sorted(m), nil
}

// readLog replays a log. A torn last line (a crash mid-append: no final
// newline) is ignored; a bad complete line is an error. good is the byte
// length of the complete lines, where the next append must start.
func readLog(f *os.File) (m map[blobid.ID]Record, lines int, good int64, err error) {
	m = map[blobid.ID]Record{}
	br := bufio.NewReader(f)
	for {
		line, rerr := br.ReadBytes('\n')
		if rerr == io.EOF {
			return m, lines, good, nil // line (if any) is torn
		}
		if rerr != nil {
			return nil, 0, 0, fmt.Errorf("walrus: %s: %w", f.Name(), rerr)
		}
		good += int64(len(line))
		if line = bytes.TrimSpace(line); len(line) == 0 {
			continue
		}
		lines++
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, 0, 0, fmt.Errorf("walrus: %s line %d: %w", f.Name(), lines, err)
		}
		if rec.Forgotten {
			delete(m, rec.BlobID)
		} else {
			m[rec.BlobID] = rec
		}
	}
}

// compact rewrites the log with one line per live blob (tmp + rename; the
// lock moves to the new file).
func (r *records) compact(path string) error {
	tmp := path + ".tmp"
	var buf bytes.Buffer
	for _, rec := range sorted(r.m) {
		b, _ := json.Marshal(rec)
		buf.Write(append(b, '\n'))
	}
	if err := writeSync(tmp, buf.Bytes()); err != nil {
		return fmt.Errorf("walrus: compacting the record: %w", err)
	}
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("walrus: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return fmt.Errorf("walrus: locking the compacted record: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		f.Close()
		return fmt.Errorf("walrus: %w", err)
	}
	r.file.Close()
	r.file = f
	// The rename itself must survive a power cut too.
	if err := atomicfile.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("walrus: compacting the record: %w", err)
	}
	return nil
}

func writeSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// append writes rec durably, then applies it to the map.
func (r *records) append(rec Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shut {
		return fmt.Errorf("walrus: recording blob %s: store closed", rec.BlobID)
	}
	if r.file != nil {
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if _, err := r.file.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("walrus: recording blob %s: %w", rec.BlobID, err)
		}
		if err := r.file.Sync(); err != nil {
			return fmt.Errorf("walrus: recording blob %s: %w", rec.BlobID, err)
		}
	}
	if rec.Forgotten {
		delete(r.m, rec.BlobID)
	} else {
		r.m[rec.BlobID] = rec
	}
	return nil
}

func (r *records) get(id blobid.ID) (Record, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, ok := r.m[id]
	return rec, ok
}

func (r *records) all() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return sorted(r.m)
}

func (r *records) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shut = true
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

// sorted returns the records by end epoch, then blob ID.
func sorted(m map[blobid.ID]Record) []Record {
	out := make([]Record, 0, len(m))
	for _, rec := range m {
		out = append(out, rec)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].EndEpoch != out[j].EndEpoch {
			return out[i].EndEpoch < out[j].EndEpoch
		}
		return bytes.Compare(out[i].BlobID[:], out[j].BlobID[:]) < 0
	})
	return out
}
