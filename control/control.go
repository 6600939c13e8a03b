package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/index"
)

// The control socket is HTTP over the unix socket <data-dir>/walrusfs.sock
// (mode 0600: only the daemon's user):
//
//	GET  /status   Status as JSON
//	POST /sync     waits until the upload queue is empty (200) or an upload
//	               fails (500, the message in the body)
//	POST /import?blob=ID&path=P
//	               places blob ID at path P of the tree (vfs.FS.Import): 200
//	               with the new file's attributes as JSON, 400 for a bad
//	               request, 409 if P exists, 500 otherwise (message in body)
//	GET  /expiring?within=N
//	               the files whose blobs end within N epochs, as JSON
//	GET  /plaintext?blob=ID
//	               the plaintext of one of the mount's encrypted blobs
//	               (vfs.FS.BlobPlaintext): 200 with the bytes, 404 if the
//	               blob is not one of them
//	POST /commit   writes the tree to the network (after the uploads):
//	               CommitResult as JSON, 500 on failure
//	GET  /recovery the recovery string of the last commit (text; a secret)
//	GET  /snapshots the kept commits of the tree: SnapshotList as JSON
//	POST /renew    a renewal pass: RenewResult as JSON, 500 on failure
//	POST /repack?threshold=F
//	               a repacking pass (F: dead share, optional): RepackResult
//	               as JSON, 500 on failure (message in body)
//	POST /share?path=P
//	               a share string for P (see share.go)
//	POST /unmount  unmounts and stops the daemon (202); the caller polls
//	               the socket until it is gone

// SocketName is the control socket's file name in the data directory.
const SocketName = "walrusfs.sock"

// Status is what `walrusfs status` shows.
type Status struct {
	PID        int    `json:"pid"`
	Mountpoint string `json:"mountpoint"`
	DataDir    string `json:"data_dir"`
	Store      string `json:"store"`
	// Encryption says whether the mount encrypts what it stores: "off",
	// or "on (unlocked by ...)".
	Encryption string `json:"encryption"`
	// EncryptionWarning is set for a plaintext mount: who can read its
	// data.
	EncryptionWarning string `json:"encryption_warning,omitempty"`
	// Tree is the tree on the network (encrypted mounts): nil otherwise.
	Tree         *TreeStatus     `json:"tree,omitempty"`
	Files        uint64          `json:"inodes"`
	Bytes        uint64          `json:"bytes"`
	PendingFiles uint64          `json:"pending_files"`
	PendingBytes uint64          `json:"pending_bytes"`
	Uploading    uint64          `json:"uploading"`
	Failures     []StatusFailure `json:"failures"`
	Orphans      uint64          `json:"orphans"`
	Blobs        uint64          `json:"blobs"`
	DeadBlobs    uint64          `json:"dead_blobs"`
	// EncodedBytes is the sum of the encoded lengths (what storage is paid
	// for: metadata and slivers of every shard) of the blobs in use.
	EncodedBytes uint64        `json:"encoded_bytes"`
	CacheBytes   int64         `json:"cache_bytes"`
	CacheMax     int64         `json:"cache_max_bytes"`
	Cache        *cache.Stats  `json:"cache,omitempty"`
	Expiry       *StatusExpiry `json:"expiry,omitempty"` // back ends with epochs (Walrus)
	// Walrus is set on a mount with a wallet.
	Walrus *StatusWalrus `json:"walrus,omitempty"`
	// Wallet is filled in by `walrusfs status --config/--context`, not by
	// the daemon.
	Wallet *StatusWallet `json:"wallet,omitempty"`
}

// StatusFailure is the last upload error of one file.
type StatusFailure struct {
	Ino   uint64    `json:"ino"`
	Path  string    `json:"path,omitempty"` // relative to the mount; empty if the file has no name any more
	Time  time.Time `json:"time"`
	Error string    `json:"error"`
}

// StatusWalrus is the lifetime part of Status on a mount with a wallet,
// which keeps its files alive. Amounts in FROST (WAL) and MIST (SUI).
type StatusWalrus struct {
	Epoch            uint32    `json:"epoch"`
	EpochEndTime     time.Time `json:"epoch_end_time,omitzero"`
	EarliestEndEpoch uint32    `json:"earliest_end_epoch,omitzero"`
	Address          string    `json:"address"`
	WALBalance       uint64    `json:"wal_balance"`
	SUIBalance       uint64    `json:"sui_balance"`
	// WALNeeded is what keeping every blob in use alive for the next
	// RenewAhead epochs costs beyond what is paid.
	WALNeeded  uint64 `json:"wal_needed"`
	RenewAhead uint32 `json:"renew_ahead"`
	// FilesAtRisk are the files whose blobs end within RenewMargin
	// epochs (renewal is due and has not happened) or have ended.
	FilesAtRisk []string `json:"files_at_risk"`
	RenewMargin uint32   `json:"renew_margin"`
	RenewError  string   `json:"renew_error,omitempty"`
}

// StatusWallet is what a Sui wallet holds, in MIST and FROST: in coin
// objects (what walrusfs spends) and as address balance (not spendable by
// walrusfs yet).
type StatusWallet struct {
	Address           string `json:"address"`
	RPC               string `json:"rpc"`
	WALType           string `json:"wal_type,omitempty"`
	SUI               uint64 `json:"sui_mist"`
	WAL               uint64 `json:"wal_frost"`
	SUIAddressBalance uint64 `json:"sui_address_balance_mist,omitzero"`
	WALAddressBalance uint64 `json:"wal_address_balance_frost,omitzero"`
}

// StatusExpiry is the expiry part of Status, on a back end with epochs.
// It covers the recorded blobs the mount uses (referenced by the index);
// end epochs are exclusive: a blob is readable while the current epoch is
// below its end epoch.
type StatusExpiry struct {
	Epoch        uint32    `json:"current_epoch,omitzero"` // 0 = not read from Sui yet
	EpochReadAt  time.Time `json:"epoch_read_at,omitzero"`
	EpochError   string    `json:"epoch_error,omitempty"` // last failure reading Sui
	RenewError   string    `json:"renew_error,omitempty"` // last renewal failure (with a wallet)
	Blobs        int       `json:"blobs"`                 // blobs in use with a recorded end epoch
	Earliest     uint32    `json:"earliest_end_epoch,omitzero"`
	EarliestTime time.Time `json:"earliest_end_time,omitzero"` // estimated start of Earliest (needs Sui)
	WarnEpochs   uint32    `json:"warn_epochs"`
	Expiring     int       `json:"expiring"` // blobs ending within WarnEpochs of the current epoch (or already)
}

// Daemon is what the control socket needs of the daemon behind it.
type Daemon interface {
	// Status returns everything `walrusfs status` shows.
	Status(ctx context.Context) (Status, error)
	// Sync waits until the upload queue is empty or an upload fails.
	Sync(ctx context.Context) error
	// Import places blob id at path p of the tree (see vfs.FS.Import).
	Import(ctx context.Context, p string, id blobid.ID) (index.Attr, error)
	// Unmount unmounts and stops the daemon; it may return at once.
	Unmount()
	// Renew runs a renewal pass (extending the blobs in use that end
	// soon) and says what it did.
	Renew(ctx context.Context) (RenewResult, error)
	// BlobPlaintext returns the plaintext of one of the mount's sealed
	// blobs; ok is false if id is not one.
	BlobPlaintext(ctx context.Context, id blobid.ID) (data []byte, ok bool, err error)
	// Commit writes the tree to the network (vfs.FS.CommitTree).
	Commit(ctx context.Context) (CommitResult, error)
	// Recovery returns the recovery string of the last commit.
	Recovery(ctx context.Context) (string, error)
	// Snapshots lists the kept commits of the tree, oldest first.
	Snapshots(ctx context.Context) (SnapshotList, error)
	// Repack copies the live files of blobs that are at least threshold
	// dead (0: the mount's setting) into new packs; see vfs.FS.Repack.
	Repack(ctx context.Context, threshold float64) (RepackResult, error)
	// Expiring lists the files whose blobs end within epochs epochs of
	// the current one (or have ended), earliest first.
	Expiring(ctx context.Context, within uint32) ([]ExpiringFile, error)
}

// ExpiringFile is a file whose blobs end soon: the earliest end epoch of
// its blobs (exclusive: it cannot be read from then on).
type ExpiringFile struct {
	Path     string `json:"path"`
	EndEpoch uint32 `json:"end_epoch"`
}

// RenewResult is what a renewal pass did.
type RenewResult struct {
	Renewed  []RenewedBlob `json:"renewed"`
	Lost     []string      `json:"lost"` // blob IDs in use whose end epoch has passed
	WALFROST string        `json:"wal_frost,omitempty"`
	GasMIST  uint64        `json:"gas_mist"`
	// Transactions is the number of Sui transactions the pass executed
	// (extensions are batched: up to 200 blobs each).
	Transactions int `json:"transactions"`
}

// TreeStatus is the state of the tree on the network.
type TreeStatus struct {
	LastSeq   uint64    `json:"last_seq"` // 0: no commit yet
	LastTime  time.Time `json:"last_time,omitzero"`
	Snapshots int       `json:"snapshots"` // kept commits
	Retention string    `json:"retention"`
	// Uncommitted: the index changed since the last commit.
	Uncommitted bool `json:"uncommitted"`
	// Warning: commits stop (another machine committed the volume) or
	// failed.
	Warning string `json:"warning,omitempty"`
}

// Snapshot is a kept commit of the tree.
type Snapshot struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Files  uint64    `json:"files"`
	Bytes  uint64    `json:"bytes"`
	BlobID string    `json:"blob_id"` // the blob holding the commit record
}

// SnapshotList is the kept commits, oldest first, and the policy that
// keeps them.
type SnapshotList struct {
	Retention string     `json:"retention"`
	Snapshots []Snapshot `json:"snapshots"`
}

// CommitResult describes a commit of the tree to the network.
type CommitResult struct {
	Seq    uint64    `json:"seq"`
	BlobID string    `json:"blob_id"` // the blob holding the commit record
	Offset uint64    `json:"offset"`
	Length uint64    `json:"length"`
	Time   time.Time `json:"time"`
	Files  uint64    `json:"files"`
	Bytes  uint64    `json:"bytes"`
	Nodes  int       `json:"nodes"` // directory nodes written by this commit
}

// RepackResult is what a repacking pass did.
type RepackResult struct {
	Repacked    []string `json:"repacked"` // blob IDs copied out (deleted after the grace)
	New         []string `json:"new"`      // blob IDs written
	CopiedBytes int64    `json:"copied_bytes"`
	FreedBytes  int64    `json:"freed_bytes"` // size of the repacked blobs
	Moved       int      `json:"moved_chunks"`
	Skipped     int      `json:"skipped_chunks"` // changed during the pass
}

// RenewedBlob is one blob a renewal extended.
type RenewedBlob struct {
	BlobID   string `json:"blob_id"`
	ObjectID string `json:"object_id"`
	OldEnd   uint32 `json:"old_end_epoch"`
	NewEnd   uint32 `json:"new_end_epoch"`
}

// Serve serves the control API of d on ln until ctx ends or the returned
// server is closed. d.Unmount is called once per unmount request.
func Serve(ctx context.Context, ln net.Listener, d Daemon) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		s, err := d.Status(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s)
	})
	mux.HandleFunc("GET /expiring", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.ParseUint(r.URL.Query().Get("within"), 10, 32)
		if err != nil {
			http.Error(w, "want within=<epochs>", http.StatusBadRequest)
			return
		}
		files, err := d.Expiring(r.Context(), uint32(n))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(files)
	})
	mux.HandleFunc("POST /renew", func(w http.ResponseWriter, r *http.Request) {
		res, err := d.Renew(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	})
	mux.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		id, err := blobid.Parse(r.URL.Query().Get("blob"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		data, ok, err := d.BlobPlaintext(r.Context(), id)
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		case !ok:
			http.Error(w, "not an encrypted blob of this mount", http.StatusNotFound)
		default:
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(data)
		}
	})
	mux.HandleFunc("POST /commit", func(w http.ResponseWriter, r *http.Request) {
		res, err := d.Commit(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	})
	mux.HandleFunc("GET /snapshots", func(w http.ResponseWriter, r *http.Request) {
		res, err := d.Snapshots(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	})
	mux.HandleFunc("GET /recovery", func(w http.ResponseWriter, r *http.Request) {
		s, err := d.Recovery(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, s)
	})
	mux.HandleFunc("POST /repack", func(w http.ResponseWriter, r *http.Request) {
		var th float64
		if v := r.URL.Query().Get("threshold"); v != "" {
			var err error
			if th, err = strconv.ParseFloat(v, 64); err != nil || th < 0 || th > 1 {
				http.Error(w, "want threshold=<dead share between 0 and 1>", http.StatusBadRequest)
				return
			}
		}
		res, err := d.Repack(r.Context(), th)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	})
	mux.HandleFunc("POST /sync", func(w http.ResponseWriter, r *http.Request) {
		if err := d.Sync(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("POST /import", func(w http.ResponseWriter, r *http.Request) {
		id, err := blobid.Parse(r.URL.Query().Get("blob"))
		if err != nil {
			err = fmt.Errorf("%w: %w", blobstore.ErrInvalid, err)
		}
		if err != nil || r.URL.Query().Get("path") == "" {
			http.Error(w, fmt.Sprintf("want blob=<blob ID>&path=<path>: %v", err), http.StatusBadRequest)
			return
		}
		a, err := d.Import(r.Context(), r.URL.Query().Get("path"), id)
		switch {
		case errors.Is(err, index.ErrExist):
			http.Error(w, err.Error(), http.StatusConflict)
		case errors.Is(err, index.ErrInvalid) || errors.Is(err, index.ErrNotFound) && !errors.Is(err, blobstore.ErrNotFound):
			http.Error(w, err.Error(), http.StatusBadRequest)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(ImportResult{Ino: a.Ino, Size: a.Size, Mode: a.Mode})
		}
	})
	mux.HandleFunc("POST /unmount", func(w http.ResponseWriter, r *http.Request) {
		// The answer must be complete before the daemon starts to go: a
		// client that saw the connection close instead would take the
		// daemon for dead and unmount a mount that is already gone. With
		// its length announced (none), the flushed header is the whole
		// answer; a chunked one would still owe its last chunk when the
		// handler returns, by which time the daemon may have closed the
		// connection ("unexpected EOF" in walrusfs umount).
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusAccepted)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		go d.Unmount()
	})
	serveShare(mux, d)
	srv := &http.Server{Handler: mux, BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() { _ = srv.Serve(ln) }()
	return srv
}

// ErrNoDaemon means no daemon answers on the data directory's socket.
var ErrNoDaemon = errors.New("no walrusfs daemon is running for this data directory")

// Client talks to the daemon of a data directory.
type Client struct {
	dataDir string
	hc      *http.Client
}

// NewClient returns a client for the daemon of dataDir.
func NewClient(dataDir string) *Client {
	sock := filepath.Join(dataDir, SocketName)
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	return &Client{dataDir: dataDir, hc: &http.Client{Transport: tr}}
}

func (c *Client) do(ctx context.Context, method, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://walrusfs"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if _, serr := os.Stat(filepath.Join(c.dataDir, SocketName)); errors.Is(serr, os.ErrNotExist) || errors.Is(err, os.ErrNotExist) ||
			isConnRefused(err) {
			return nil, fmt.Errorf("%w (%s)", ErrNoDaemon, c.dataDir)
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("daemon: %s", strings.TrimSpace(string(body)))
	}
	return body, nil
}

func isConnRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Status asks the daemon for its status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	b, err := c.do(ctx, http.MethodGet, "/status")
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	return s, err
}

// Sync waits until the daemon's upload queue is empty.
func (c *Client) Sync(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodPost, "/sync")
	return err
}

// ImportResult is the answer of POST /import.
type ImportResult struct {
	Ino  uint64 `json:"ino"`
	Size uint64 `json:"size"`
	Mode uint32 `json:"mode"`
}

// Import asks the daemon to place blob id at path p of the tree (see
// vfs.FS.Import).
func (c *Client) Import(ctx context.Context, id blobid.ID, p string) (ImportResult, error) {
	var res ImportResult
	q := url.Values{"blob": {id.String()}, "path": {p}}
	b, err := c.do(ctx, http.MethodPost, "/import?"+q.Encode())
	if err == nil {
		err = json.Unmarshal(b, &res)
	}
	return res, err
}

// Unmount asks the daemon to unmount and waits until it has exited (its
// socket is gone).
func (c *Client) Unmount(ctx context.Context) error {
	if _, err := c.do(ctx, http.MethodPost, "/unmount"); err != nil {
		return err
	}
	for {
		if _, err := os.Stat(filepath.Join(c.dataDir, SocketName)); errors.Is(err, os.ErrNotExist) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the daemon to exit: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Renew asks the daemon for a renewal pass.
func (c *Client) Renew(ctx context.Context) (RenewResult, error) {
	b, err := c.do(ctx, http.MethodPost, "/renew")
	if err != nil {
		return RenewResult{}, err
	}
	var res RenewResult
	if err := json.Unmarshal(b, &res); err != nil {
		return RenewResult{}, fmt.Errorf("control: renew answer: %w", err)
	}
	return res, nil
}

// ErrNotMountBlob: BlobPlaintext of a blob that is not one of the mount's
// encrypted blobs.
var ErrNotMountBlob = errors.New("not an encrypted blob of this mount")

// BlobPlaintext asks the daemon for the plaintext of one of its encrypted
// blobs (ErrNotMountBlob if id is not one).
func (c *Client) BlobPlaintext(ctx context.Context, id blobid.ID) ([]byte, error) {
	b, err := c.do(ctx, http.MethodGet, "/plaintext?blob="+id.String())
	if err != nil && strings.Contains(err.Error(), ErrNotMountBlob.Error()) {
		return nil, fmt.Errorf("%v: %w", id, ErrNotMountBlob)
	}
	return b, err
}

// Commit asks the daemon to write the tree to the network.
func (c *Client) Commit(ctx context.Context) (CommitResult, error) {
	b, err := c.do(ctx, http.MethodPost, "/commit")
	if err != nil {
		return CommitResult{}, err
	}
	var res CommitResult
	if err := json.Unmarshal(b, &res); err != nil {
		return CommitResult{}, fmt.Errorf("control: commit answer: %w", err)
	}
	return res, nil
}

// Snapshots asks the daemon for the kept commits of its tree.
func (c *Client) Snapshots(ctx context.Context) (SnapshotList, error) {
	b, err := c.do(ctx, http.MethodGet, "/snapshots")
	if err != nil {
		return SnapshotList{}, err
	}
	var res SnapshotList
	if err := json.Unmarshal(b, &res); err != nil {
		return SnapshotList{}, fmt.Errorf("control: snapshots answer: %w", err)
	}
	return res, nil
}

// Recovery asks the daemon for the recovery string of its last commit.
func (c *Client) Recovery(ctx context.Context) (string, error) {
	b, err := c.do(ctx, http.MethodGet, "/recovery")
	return string(b), err
}

// Repack asks the daemon for a repacking pass (threshold 0: the mount's).
func (c *Client) Repack(ctx context.Context, threshold float64) (RepackResult, error) {
	path := "/repack"
	if threshold > 0 {
		path += "?threshold=" + strconv.FormatFloat(threshold, 'g', -1, 64)
	}
	b, err := c.do(ctx, http.MethodPost, path)
	if err != nil {
		return RepackResult{}, err
	}
	var res RepackResult
	if err := json.Unmarshal(b, &res); err != nil {
		return RepackResult{}, fmt.Errorf("control: repack answer: %w", err)
	}
	return res, nil
}

// Expiring lists the files whose blobs end within within epochs.
func (c *Client) Expiring(ctx context.Context, within uint32) ([]ExpiringFile, error) {
	b, err := c.do(ctx, http.MethodGet, "/expiring?within="+strconv.FormatUint(uint64(within), 10))
	if err != nil {
		return nil, err
	}
	var files []ExpiringFile
	if err := json.Unmarshal(b, &files); err != nil {
		return nil, fmt.Errorf("control: expiring answer: %w", err)
	}
	return files, nil
}
