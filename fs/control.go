package fs

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
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/fs/cache"
	"github.com/walrusfs/walrusfs/index"
)

// The control socket is HTTP over the unix socket <data-dir>/walrusfs.sock
// (mode 0600: only the daemon's user):
//
//	GET  /status   Status as JSON
//	POST /sync     waits until the upload queue is empty (200) or an upload
//	               fails (500, the message in the body)
//	POST /import?blob=ID&path=P
//	               places blob ID at path P of the tree (FS.Import): 200
//	               with the new file's attributes as JSON, 400 for a bad
//	               request, 409 if P exists, 500 otherwise (message in body)
//	POST /unmount  unmounts and stops the daemon (202); the caller polls
//	               the socket until it is gone

// SocketName is the control socket's file name in the data directory.
const SocketName = "walrusfs.sock"

// Status is what `walrusfs status` shows.
type Status struct {
	PID          int             `json:"pid"`
	Mountpoint   string          `json:"mountpoint"`
	DataDir      string          `json:"data_dir"`
	Store        string          `json:"store"`
	Files        uint64          `json:"inodes"`
	Bytes        uint64          `json:"bytes"`
	PendingFiles uint64          `json:"pending_files"`
	PendingBytes uint64          `json:"pending_bytes"`
	Uploading    uint64          `json:"uploading"`
	Failures     []StatusFailure `json:"failures"`
	Orphans      uint64          `json:"orphans"`
	Blobs        uint64          `json:"blobs"`
	DeadBlobs    uint64          `json:"dead_blobs"`
	CacheBytes   int64           `json:"cache_bytes"`
	CacheMax     int64           `json:"cache_max_bytes"`
	Cache        *cache.Stats    `json:"cache,omitempty"`
	Expiry       *StatusExpiry   `json:"expiry,omitempty"` // back ends with epochs (Walrus)
}

// StatusFailure is the last upload error of one file.
type StatusFailure struct {
	Ino   uint64    `json:"ino"`
	Path  string    `json:"path,omitempty"` // relative to the mount; empty if the file has no name any more
	Time  time.Time `json:"time"`
	Error string    `json:"error"`
}

// Status returns the queue, failure and blob figures of the index.
func (f *FS) Status(ctx context.Context) (Status, error) {
	st, err := f.idx.Stats(ctx)
	if err != nil {
		return Status{}, err
	}
	s := Status{Files: st.Inodes, Bytes: st.Bytes, PendingFiles: st.PendingFiles, PendingBytes: st.PendingBytes,
		Uploading: st.Uploading, Orphans: st.Orphans, Blobs: st.Blobs, DeadBlobs: st.DeadBlobs, Failures: []StatusFailure{}}
	var paths map[uint64]string
	if len(st.Failures) > 0 {
		inos := make([]uint64, len(st.Failures))
		for i, fl := range st.Failures {
			inos[i] = fl.Ino
		}
		if paths, err = f.idx.Paths(ctx, inos); err != nil {
			return Status{}, err
		}
	}
	for _, fl := range st.Failures {
		s.Failures = append(s.Failures, StatusFailure{Ino: fl.Ino, Path: paths[fl.Ino], Time: fl.Time, Error: fl.Error})
	}
	if f.cache != nil {
		cs := f.cache.Stats()
		s.Cache, s.CacheBytes = &cs, cs.Bytes
	}
	return s, nil
}

// serveControl serves the control API on ln until ctx ends. unmount is
// called (once per request) to stop the daemon. status fills the daemon
// fields of Status.
func serveControl(ctx context.Context, ln net.Listener, f *FS, status func(*Status), unmount func()) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		s, err := f.Status(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		status(&s)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s)
	})
	mux.HandleFunc("POST /sync", func(w http.ResponseWriter, r *http.Request) {
		if err := f.Sync(r.Context()); err != nil {
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
		a, err := f.Import(r.Context(), r.URL.Query().Get("path"), id)
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
		go unmount()
	})
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
// FS.Import).
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
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for the daemon to exit: %w", err)
		}
	}
}
