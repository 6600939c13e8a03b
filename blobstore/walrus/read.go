package walrus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
)

// Read implements blobstore.Store. By default the whole blob is fetched
// once, its blob ID re-derived locally (no aggregator is trusted), kept in
// the LRU of verified blobs, and the range served from it. With
// TrustAggregator, ranges are HTTP Range requests (see Config).
func (s *Store) Read(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.cfg.Direct != nil {
		return s.cfg.Direct.Read(ctx, id, off, length)
	}
	if s.cfg.TrustAggregator {
		if _, cached := s.cache.get(id); !cached {
			return s.readTrusted(ctx, id, off, length)
		}
	}
	data, err := s.verified(ctx, id)
	if err != nil {
		return nil, err
	}
	n, err := blobstore.CheckRange(uint64(len(data)), off, length)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, data[off:off+int64(n)]...), nil
}

// verified returns the whole verified blob, from the cache or fetched
// (one fetch per blob among concurrent callers). The slice is shared:
// callers must not modify it.
func (s *Store) verified(ctx context.Context, id blobid.ID) ([]byte, error) {
	if data, ok := s.cache.get(id); ok {
		return data, nil
	}
	return s.flight.do(ctx, id, func(ctx context.Context) ([]byte, error) {
		if data, ok := s.cache.get(id); ok {
			return data, nil
		}
		data, err := s.failover(ctx, id, s.fetchWhole)
		if err == nil {
			s.cache.add(id, data)
		}
		return data, err
	})
}

// fetchWhole GETs the blob from one aggregator and re-derives its blob ID;
// bytes that do not match are never returned.
func (s *Store) fetchWhole(ctx context.Context, agg string, id blobid.ID) ([]byte, error) {
	max := int64(s.enc.Params().MaxBlobSize())
	data, _, err := s.get(ctx, agg, id, "", max)
	if err != nil {
		return nil, err
	}
	m, err := s.enc.ComputeMetadata(data)
	if err != nil {
		return nil, &attemptError{kind: badAggregator, err: fmt.Errorf("aggregator %s: %d bytes cannot be blob %s: %v", agg, len(data), id, err)}
	}
	if got := m.BlobID(); got != id {
		return nil, &attemptError{kind: badAggregator, err: fmt.Errorf("%w: aggregator %s served %d bytes whose blob ID is %s, not %s",
			ErrMismatch, agg, len(data), got, id)}
	}
	return data, nil
}

// Kinds of failed attempts on one aggregator.
const (
	transient     = iota // may work on a later round
	notFound             // 404 BLOB_NOT_FOUND
	badAggregator        // wrong bytes or a request this aggregator refuses: skip it from now on
)

type attemptError struct {
	kind int
	err  error
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

// failover runs op on each aggregator in order until one succeeds, for up
// to MaxAttempts rounds with backoff between rounds. ErrNotFound only when
// every aggregator answers 404 in one round and the blob is not one this
// store put (a fresh blob can be a CDN's cached 404, §4.2); otherwise the
// error wraps ErrUnavailable (and ErrMismatch if an aggregator lied).
func (s *Store) failover(ctx context.Context, id blobid.ID, op func(context.Context, string, blobid.ID) ([]byte, error)) ([]byte, error) {
	skip := make([]bool, len(s.cfg.Aggregators))
	var msgs []string
	lied := false
	for round := 1; round <= s.cfg.MaxAttempts; round++ {
		tried, missing := 0, 0
		for i, agg := range s.cfg.Aggregators {
			if skip[i] {
				continue
			}
			tried++
			data, err := op(ctx, agg, id)
			if err == nil {
				return data, nil
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			msgs = append(msgs, err.Error())
			var ae *attemptError
			kind := transient
			if errors.As(err, &ae) {
				kind = ae.kind
			}
			switch kind {
			case notFound:
				missing++
			case badAggregator:
				skip[i] = true
				lied = lied || errors.Is(err, ErrMismatch)
				s.cfg.Logger.Warn("walrus: aggregator failed the blob check", "aggregator", agg, "blob", id, "err", err)
			}
		}
		if tried == 0 {
			break
		}
		if missing == len(s.cfg.Aggregators) {
			if _, ours := s.rec.get(id); !ours {
				return nil, fmt.Errorf("%w: blob %s: every aggregator answers 404 BLOB_NOT_FOUND", blobstore.ErrNotFound, id)
			}
		}
		if round < s.cfg.MaxAttempts {
			if err := sleep(ctx, s.cfg.backoff(round)); err != nil {
				return nil, err
			}
		}
	}
	if len(msgs) > 6 {
		msgs = append(msgs[:5], fmt.Sprintf("... %d more", len(msgs)-5))
	}
	detail := strings.Join(msgs, "; ")
	if lied {
		return nil, fmt.Errorf("%w: blob %s: %w: %s", blobstore.ErrUnavailable, id, ErrMismatch, detail)
	}
	return nil, fmt.Errorf("%w: blob %s: %s", blobstore.ErrUnavailable, id, detail)
}

// get makes one GET /v1/blobs/{id} (with a Range header if rng != "") and
// reads at most max bytes of body under the read and stall timeouts.
func (s *Store) get(ctx context.Context, agg string, id blobid.ID, rng string, max int64) ([]byte, *http.Response, error) {
	ctx, cancelTimeout := context.WithTimeout(ctx, s.cfg.ReadTimeout)
	defer cancelTimeout()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, agg+"/v1/blobs/"+id.String(), nil)
	if err != nil {
		return nil, nil, &attemptError{kind: badAggregator, err: err}
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("aggregator %s: %w", agg, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		he := readHTTPError("aggregator "+agg, resp)
		switch {
		case he.Code == http.StatusNotFound:
			return nil, resp, &attemptError{kind: notFound, err: he}
		case he.retryable():
			return nil, resp, he
		}
		return nil, resp, &attemptError{kind: badAggregator, err: he}
	}
	if resp.ContentLength > max {
		return nil, resp, &attemptError{kind: badAggregator, err: fmt.Errorf("aggregator %s: body of %d bytes exceeds %d", agg, resp.ContentLength, max)}
	}
	body, stop := watch(resp.Body, s.cfg.StallTimeout, cancel)
	data, err := io.ReadAll(io.LimitReader(body, max+1))
	stop()
	if err != nil {
		if errors.Is(context.Cause(ctx), errStalled) {
			return nil, resp, fmt.Errorf("aggregator %s: no data for %v after %d bytes: %w", agg, s.cfg.StallTimeout, len(data), errStalled)
		}
		return nil, resp, fmt.Errorf("aggregator %s: body cut after %d bytes: %w", agg, len(data), err)
	}
	if int64(len(data)) > max {
		return nil, resp, &attemptError{kind: badAggregator, err: fmt.Errorf("aggregator %s: body exceeds %d bytes", agg, max)}
	}
	return data, resp, nil
}

// contentRange parses "bytes a-b/L" (or "bytes */L").
func contentRange(h string) (lo, hi int64, size uint64, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes ")
	r, total, found2 := strings.Cut(spec, "/")
	if !found || !found2 {
		return 0, 0, 0, false
	}
	size, err := strconv.ParseUint(total, 10, 64)
	if err != nil {
		return 0, 0, 0, false
	}
	if r == "*" {
		return -1, -1, size, true
	}
	a, b, found := strings.Cut(r, "-")
	lo, err1 := strconv.ParseInt(a, 10, 64)
	hi, err2 := strconv.ParseInt(b, 10, 64)
	if !found || err1 != nil || err2 != nil || lo < 0 || hi < lo || uint64(hi) >= size {
		return 0, 0, 0, false
	}
	return lo, hi, size, true
}
