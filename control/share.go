package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/tree"
)

//	POST /share?path=P
//	               commits the tree if it changed, then makes a share
//	               string for path P (relative to the mount's root; "" or
//	               "/" is the root): 200 with ShareResult as JSON (the
//	               string is a secret), 400 for a path that cannot be
//	               shared, 404 if it does not exist, 501 if the daemon
//	               makes no shares, 500 otherwise (message in body)

// ShareResult is the answer of POST /share. Share is a read-only
// capability: whoever holds it reads everything below Path as of commit
// Commit. Never log it.
type ShareResult struct {
	Share  string `json:"share"`
	Path   string `json:"path"`
	Commit uint64 `json:"commit"`
	File   bool   `json:"file"`
}

// Sharer is what a Daemon that makes share strings also implements.
type Sharer interface {
	// Share commits the tree if it changed since the last commit and
	// returns a share string for path p (relative to the mount's root).
	// Errors wrap tree.ErrNotFound or tree.ErrNotDir for a path that is
	// not in the commit, index.ErrInvalid for one that cannot be shared.
	Share(ctx context.Context, p string) (ShareResult, error)
}

// serveShare adds POST /share to mux.
func serveShare(mux *http.ServeMux, d Daemon) {
	mux.HandleFunc("POST /share", func(w http.ResponseWriter, r *http.Request) {
		s, ok := d.(Sharer)
		if !ok {
			http.Error(w, "this daemon makes no share strings", http.StatusNotImplemented)
			return
		}
		res, err := s.Share(r.Context(), r.URL.Query().Get("path"))
		switch {
		case errors.Is(err, tree.ErrNotFound) || errors.Is(err, tree.ErrNotDir):
			http.Error(w, err.Error(), http.StatusNotFound)
		case errors.Is(err, index.ErrInvalid) || errors.Is(err, tree.ErrInvalid):
			http.Error(w, err.Error(), http.StatusBadRequest)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_ = json.NewEncoder(w).Encode(res)
		}
	})
}

// Share asks the daemon for a share string of path p (relative to the
// mount's root).
func (c *Client) Share(ctx context.Context, p string) (ShareResult, error) {
	b, err := c.do(ctx, http.MethodPost, "/share?"+url.Values{"path": {p}}.Encode())
	if err != nil {
		return ShareResult{}, err
	}
	var res ShareResult
	if err := json.Unmarshal(b, &res); err != nil {
		return ShareResult{}, fmt.Errorf("control: share answer: %w", err)
	}
	return res, nil
}
