// Package aggregator serves blobs over the Walrus aggregator API
// (GET and HEAD /v1/blobs/{blob_id}, protocol notes §4.2) from any
// verified reader, such as the storage-node client of localnet/committee:
// every byte it sends has been checked against its blob ID by that reader.
package aggregator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
)

// Reader is what the aggregator reads blobs from.
type Reader interface {
	Read(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error)
	Stat(ctx context.Context, id blobid.ID) (blobstore.Info, error)
}

// chunk is how much of a blob one Read fetches while streaming a body.
const chunk = 4 << 20

// Handler returns the aggregator's HTTP API over r. log may be nil.
func Handler(r Reader, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &agg{r: r, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/blobs/{id}", a.serve) // GET routes answer HEAD too
	mux.HandleFunc("GET /v1/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":{"code":200,"data":"ok"}}`))
	})
	return mux
}

type agg struct {
	r   Reader
	log *slog.Logger
}

func (a *agg) serve(w http.ResponseWriter, req *http.Request) {
	id, err := blobid.Parse(req.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid blob ID: "+err.Error())
		return
	}
	ctx := req.Context()
	info, err := a.r.Stat(ctx, id)
	if err != nil {
		a.fail(w, id, err)
		return
	}
	size := int64(info.Size)
	lo, hi := int64(0), size-1
	status := http.StatusOK
	if rg := req.Header.Get("Range"); rg != "" {
		var ok bool
		lo, hi, ok = parseRange(rg, size)
		if !ok {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			writeError(w, http.StatusRequestedRangeNotSatisfiable, "INVALID_ARGUMENT", "invalid range "+rg)
			return
		}
		status = http.StatusPartialContent
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", lo, hi, size))
	}
	// The first chunk is read before the header goes out, so a blob that
	// cannot be read gets an error status rather than a cut body.
	var first []byte
	if hi >= lo && req.Method != http.MethodHead {
		first, err = a.r.Read(ctx, id, lo, min(chunk, hi-lo+1))
		if err != nil {
			a.fail(w, id, err)
			return
		}
	}
	h := w.Header()
	h.Set("ETag", id.String())
	h.Set("Cache-Control", "public, max-age=86400, stale-while-revalidate=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(max(hi-lo+1, 0), 10))
	w.WriteHeader(status)
	if req.Method == http.MethodHead || hi < lo {
		return
	}
	if _, err := w.Write(first); err != nil {
		return
	}
	for off := lo + int64(len(first)); off <= hi; {
		b, err := a.r.Read(ctx, id, off, min(chunk, hi-off+1))
		if err != nil {
			a.log.Warn("aggregator: reading blob failed mid-body", "blob", id, "offset", off, "err", err)
			panic(http.ErrAbortHandler) // the client sees a cut connection, never wrong bytes
		}
		if _, err := w.Write(b); err != nil {
			return
		}
		off += int64(len(b))
	}
}

func (a *agg) fail(w http.ResponseWriter, id blobid.ID, err error) {
	switch {
	case errors.Is(err, blobstore.ErrNotFound):
		writeError(w, http.StatusNotFound, "BLOB_NOT_FOUND", "the requested blob has not been found")
	case errors.Is(err, context.Canceled):
		// the client went away
	default:
		a.log.Warn("aggregator: blob unavailable", "blob", id, "err", err)
		writeError(w, http.StatusServiceUnavailable, "BLOB_UNAVAILABLE", "the requested blob is currently unavailable, try again later")
	}
}

// parseRange accepts exactly one closed range "bytes=a-b" with
// a <= b < size, as the Walrus aggregator does (§4.2).
func parseRange(h string, size int64) (lo, hi int64, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(spec, "-")
	if !found || a == "" || b == "" {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseInt(a, 10, 64)
	hi, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || lo < 0 || lo > hi || hi >= size {
		return 0, 0, false
	}
	return lo, hi, true
}

// writeError writes the AIP-193 error envelope of Walrus services.
func writeError(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "status": status, "message": msg,
		"details": []any{map[string]any{"@type": "ErrorInfo", "reason": status, "domain": "walrus.space", "metadata": map[string]string{}}},
	}})
}
