package committee

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
)

// errLocalAborted is a local node's handler that panicked (a stopped
// node, or http.ErrAbortHandler mid-body): over HTTP the server would
// have dropped the connection, so it is a transport failure.
var errLocalAborted = errors.New("local node aborted the request")

// callLocal does one request to the in-process handler h of node info, as
// call does over HTTP: it returns the status code and the body (at most
// maxResp bytes for a 2xx answer, at most 4 KiB of an error answer).
//
// The handler runs in its own goroutine so that ctx (with the request
// timeout) bounds the call exactly as it bounds an HTTP request; the
// response buffer belongs to that goroutine until it finishes, and a call
// that gives up simply drops it.
func (c *Client) callLocal(ctx context.Context, info *NodeInfo, h http.Handler, method, path string, body []byte, maxResp int64) (int, []byte, error) {
	req, err := newNodeRequest(ctx, info, method, path, body)
	if err != nil {
		return 0, nil, err
	}
	w := &localResponse{header: http.Header{}, max: maxResp}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				if r != http.ErrAbortHandler {
					c.log.Error("local node handler panicked", "node", info.Name, "path", path, "panic", r, "stack", string(debug.Stack()))
				}
				done <- errLocalAborted
			}
		}()
		h.ServeHTTP(w, req)
		w.WriteHeader(http.StatusOK) // a handler that wrote nothing answered 200
		done <- nil
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		return 0, nil, fmt.Errorf("node %s: %s %s: %w", info.Name, method, path, ctx.Err())
	}
	if err != nil {
		return 0, nil, fmt.Errorf("node %s: %s %s: %w", info.Name, method, path, err)
	}
	if w.code/100 != 2 {
		return w.code, w.buf[:min(len(w.buf), 4096)], nil
	}
	if w.over {
		return 0, nil, fmt.Errorf("node %s: %s %s: response exceeds %d bytes: %w", info.Name, method, path, maxResp, errTooLarge)
	}
	if w.length >= 0 && int64(len(w.buf)) != w.length {
		return 0, nil, fmt.Errorf("node %s: %s %s: reading body: %d of %d announced bytes: %w", info.Name, method, path, len(w.buf), w.length, io.ErrUnexpectedEOF)
	}
	return w.code, w.buf, nil
}

// localResponse is the http.ResponseWriter of an in-process request. It
// keeps the body in memory, refusing to grow it past max for a 2xx
// answer. A handler that announces its Content-Length gets a buffer of
// exactly that size, which ReadFrom fills straight from the handler's
// reader (a sliver file): one copy, no growing.
type localResponse struct {
	header http.Header
	code   int   // 0 until WriteHeader
	length int64 // announced Content-Length, -1 if none
	max    int64 // bound on a 2xx body
	over   bool  // a 2xx body went past max (or past its announced length)
	buf    []byte
}

func (w *localResponse) Header() http.Header { return w.header }

func (w *localResponse) WriteHeader(code int) {
	if w.code != 0 {
		return
	}
	w.code = code
	w.length = -1
	if cl, err := strconv.ParseInt(w.header.Get("Content-Length"), 10, 64); err == nil && cl >= 0 {
		w.length = cl
	}
	switch {
	case code/100 != 2:
	case w.length > w.max:
		w.over = true
	case w.length >= 0:
		w.buf = make([]byte, 0, w.length)
	}
}

// room reports whether n more body bytes may be kept.
func (w *localResponse) room(n int) bool {
	limit := w.max
	switch {
	case w.code/100 != 2:
		limit = 4096 // like call: only the start of an error body matters
	case w.length >= 0:
		limit = min(limit, w.length)
	}
	return !w.over && int64(len(w.buf)+n) <= limit
}

func (w *localResponse) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if !w.room(len(p)) {
		if w.code/100 == 2 {
			w.over = true
			return 0, errors.New("response too large")
		}
		p = p[:max(0, min(len(p), 4096-len(w.buf)))]
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// ReadFrom reads r into the body buffer, in place when the length was
// announced (io.Copy from a file lands here).
func (w *localResponse) ReadFrom(r io.Reader) (int64, error) {
	w.WriteHeader(http.StatusOK)
	var total int64
	for {
		if len(w.buf) == cap(w.buf) {
			// Unannounced or exhausted: probe with a small read, which
			// Write bounds.
			var tmp [4096]byte
			n, err := r.Read(tmp[:])
			if n > 0 {
				if _, werr := w.Write(tmp[:n]); werr != nil {
					return total, werr
				}
				total += int64(n)
			}
			if err == io.EOF {
				return total, nil
			}
			if err != nil {
				return total, err
			}
			continue
		}
		n, err := r.Read(w.buf[len(w.buf):cap(w.buf)])
		w.buf = w.buf[:len(w.buf)+n]
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
