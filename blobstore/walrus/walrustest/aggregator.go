package walrustest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// serveAggregator implements GET (and, as axum does for GET routes, HEAD)
// /v1/blobs/{blob_id} with optional "Range: bytes=a-b" (§4.2).
func (s *Server) serveAggregator(a *endpoint, w http.ResponseWriter, r *http.Request) {
	fault := a.take()
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/blobs/")
	if !ok || strings.Contains(rest, "/") {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no route "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusMethodNotAllowed, "INVALID_ARGUMENT", "method not allowed")
		return
	}
	for k := range r.URL.Query() {
		if k != "strict_consistency_check" && k != "skip_consistency_check" {
			// serde deny_unknown_fields (§4.2).
			writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", fmt.Sprintf("unknown field `%s`", k))
			return
		}
	}
	if _, err := blobid.Parse(rest); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid blob ID: "+err.Error())
		return
	}
	switch fault {
	case Unavailable:
		writeError(w, http.StatusServiceUnavailable, "BLOB_UNAVAILABLE", "the requested blob is currently unavailable, try again later")
		return
	case TooManyRequests:
		writeError(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "too many requests")
		return
	}
	s.mu.Lock()
	b, ok := s.blobs[rest]
	if ok && s.epoch >= b.end {
		ok = false // expired: no longer readable (§5)
	}
	var data []byte
	if ok {
		data = b.data
	}
	s.mu.Unlock()
	if !ok || fault == NotFound {
		writeError(w, http.StatusNotFound, "BLOB_NOT_FOUND", "the requested blob has not been found")
		return
	}
	body := data
	status := http.StatusOK
	if rg := r.Header.Get("Range"); rg != "" {
		lo, hi, ok := parseRange(rg, len(data))
		if !ok {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
			writeError(w, http.StatusRequestedRangeNotSatisfiable, "INVALID_ARGUMENT", "invalid range "+rg)
			return
		}
		body = data[lo : hi+1]
		status = http.StatusPartialContent
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", lo, hi, len(data)))
	}
	h := w.Header()
	h.Set("ETag", rest) // unquoted blob ID (§4.2)
	h.Set("Cache-Control", "public, max-age=86400, stale-while-revalidate=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if fault == WrongBytes && len(body) > 0 {
		body = append([]byte(nil), body...)
		body[len(body)/2] ^= 0x40
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	half := len(body) / 2
	switch fault {
	case Truncated:
		_, _ = w.Write(body[:half])
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler) // drops the connection mid-body
	case SlowBody:
		_, _ = w.Write(body[:half])
		_ = http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(s.opts.StallDelay):
		}
		body = body[half:]
	}
	_, _ = w.Write(body)
}

// parseRange accepts exactly one closed range "bytes=a-b" with
// a <= b < size; open ranges ("a-", "-b") and lists are unsupported
// (§4.2).
func parseRange(h string, size int) (lo, hi int, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(spec, "-")
	if !found || a == "" || b == "" {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || lo < 0 || lo > hi || hi >= size {
		return 0, 0, false
	}
	return lo, hi, true
}
