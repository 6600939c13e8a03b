package walrus

import (
	"context"
	"fmt"
	"net/http"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
)

// This file is the TrustAggregator read path: byte ranges come straight
// from "Range: bytes=a-b" requests (206, protocol notes §4.2) and are not
// verified. Whole-blob reads still go through verified().

// readTrusted serves a range with one Range request (after learning the
// blob's size, needed because aggregators only take closed ranges).
func (s *Store) readTrusted(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error) {
	size, err := s.trustedSize(ctx, id)
	if err != nil {
		return nil, err
	}
	n, err := blobstore.CheckRange(size, off, length)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []byte{}, nil
	}
	if off == 0 && n == size {
		data, err := s.verified(ctx, id)
		if err != nil {
			return nil, err
		}
		return append([]byte{}, data...), nil
	}
	rng := fmt.Sprintf("bytes=%d-%d", off, uint64(off)+n-1)
	return s.failover(ctx, id, func(ctx context.Context, agg string, id blobid.ID) ([]byte, error) {
		data, resp, err := s.get(ctx, agg, id, rng, int64(n))
		if err != nil {
			if resp != nil && resp.StatusCode == http.StatusOK {
				// The aggregator ignored Range and sent more than asked
				// for: fall back to a verified whole read.
				return s.rangeOfWhole(ctx, agg, id, off, n)
			}
			return nil, err
		}
		if resp.StatusCode == http.StatusOK {
			if uint64(len(data)) != size {
				return nil, &attemptError{kind: badAggregator, err: fmt.Errorf("aggregator %s ignored Range and sent %d bytes of a %d-byte blob", agg, len(data), size)}
			}
			return data[off : uint64(off)+n], nil
		}
		lo, hi, total, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || lo != off || uint64(hi) != uint64(off)+n-1 || total != size || uint64(len(data)) != n {
			return nil, &attemptError{kind: badAggregator, err: fmt.Errorf("aggregator %s answered %s with Content-Range %q and %d bytes",
				agg, rng, resp.Header.Get("Content-Range"), len(data))}
		}
		return data, nil
	})
}

// rangeOfWhole reads the whole blob verified from agg and slices it.
func (s *Store) rangeOfWhole(ctx context.Context, agg string, id blobid.ID, off int64, n uint64) ([]byte, error) {
	data, err := s.fetchWhole(ctx, agg, id)
	if err != nil {
		return nil, err
	}
	s.cache.add(id, data)
	if uint64(off)+n > uint64(len(data)) {
		return nil, fmt.Errorf("%w: range %d+%d outside the verified %d-byte blob", blobstore.ErrInvalid, off, n, len(data))
	}
	return append([]byte{}, data[off:uint64(off)+n]...), nil
}

// trustedSize returns a blob's size: recorded or cached if known, else
// from the Content-Range of a one-byte range request (unverified). An
// empty blob answers 416 with "bytes */0".
func (s *Store) trustedSize(ctx context.Context, id blobid.ID) (uint64, error) {
	if r, ok := s.rec.get(id); ok {
		return r.Size, nil
	}
	if size, ok := s.cache.size(id); ok {
		return size, nil
	}
	var size uint64
	_, err := s.failover(ctx, id, func(ctx context.Context, agg string, id blobid.ID) ([]byte, error) {
		_, resp, err := s.get(ctx, agg, id, "bytes=0-0", 1)
		switch {
		case resp == nil:
			return nil, err
		case resp.StatusCode == http.StatusOK:
			// No range support: a verified whole read gives the size.
			data, err := s.fetchWhole(ctx, agg, id)
			if err != nil {
				return nil, err
			}
			s.cache.add(id, data)
			size = uint64(len(data))
			return nil, nil
		case err != nil && resp.StatusCode != http.StatusRequestedRangeNotSatisfiable:
			return nil, err
		}
		if _, _, total, ok := contentRange(resp.Header.Get("Content-Range")); ok && (resp.StatusCode == http.StatusPartialContent || total == 0) {
			size = total
			return nil, nil
		}
		return nil, &attemptError{kind: badAggregator, err: fmt.Errorf("aggregator %s: no usable Content-Range (%q) for a 1-byte range",
			agg, resp.Header.Get("Content-Range"))}
	})
	if err != nil {
		return 0, err
	}
	s.cache.setSize(id, size)
	return size, nil
}
