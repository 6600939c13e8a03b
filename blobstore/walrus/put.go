package walrus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
)

// storeResponse is the publisher's 200 answer to PUT /v1/blobs: exactly
// one of four camelCase variants (protocol notes §4.1).
type storeResponse struct {
	NewlyCreated *struct {
		BlobObject struct {
			ID              string  `json:"id"`
			RegisteredEpoch uint32  `json:"registeredEpoch"`
			BlobID          string  `json:"blobId"`
			Size            uint64  `json:"size"`
			CertifiedEpoch  *uint32 `json:"certifiedEpoch"`
			Storage         struct {
				EndEpoch    uint32 `json:"endEpoch"`
				StorageSize uint64 `json:"storageSize"`
			} `json:"storage"`
			Deletable bool `json:"deletable"`
		} `json:"blobObject"`
		Cost uint64 `json:"cost"`
	} `json:"newlyCreated"`
	AlreadyCertified *struct {
		BlobID   string          `json:"blobId"`
		Object   string          `json:"object"`
		Event    json.RawMessage `json:"event"`
		EndEpoch uint32          `json:"endEpoch"`
	} `json:"alreadyCertified"`
	MarkedInvalid *struct {
		BlobID string `json:"blobId"`
	} `json:"markedInvalid"`
	Error *struct {
		BlobID       *string `json:"blobId"`
		FailurePhase string  `json:"failurePhase"`
		ErrorMsg     string  `json:"errorMsg"`
	} `json:"error"`
}

// Put implements blobstore.Store. It computes the blob ID locally, sends
// the bytes to the publisher (retrying transient failures with backoff),
// checks that the publisher stored exactly that blob ID, then records the
// Blob object, end epoch and cost. Nothing is recorded on any failure.
func (s *Store) Put(ctx context.Context, data []byte) (blobstore.Info, error) {
	if err := ctx.Err(); err != nil {
		return blobstore.Info{}, err
	}
	if s.cfg.Direct != nil {
		return s.putDirect(ctx, data, nil)
	}
	if s.cfg.Publisher == "" {
		hint := "give --publisher URL"
		if s.cfg.Network == "mainnet" {
			hint = "Walrus mainnet has no public publisher: run your own or use an authenticated one (--publisher URL, --publisher-token)"
		}
		return blobstore.Info{}, fmt.Errorf("walrus: cannot store: %w; %s", ErrNoPublisher, hint)
	}
	if int64(len(data)) > s.cfg.MaxBlobSize {
		return blobstore.Info{}, fmt.Errorf("%w: blob of %d bytes exceeds the publisher limit of %d bytes (MaxBlobSize)",
			blobstore.ErrInvalid, len(data), s.cfg.MaxBlobSize)
	}
	m, err := s.enc.ComputeMetadata(data)
	if err != nil {
		return blobstore.Info{}, fmt.Errorf("%w: %v", blobstore.ErrInvalid, err)
	}
	id := m.BlobID()
	encLen, _ := s.enc.Params().EncodedLength(uint64(len(data)))
	resp, err := s.putRetry(ctx, data)
	if err != nil {
		return blobstore.Info{}, fmt.Errorf("walrus: storing blob %s: %w", id, err)
	}
	rec, err := s.checkStored(resp, id, uint64(len(data)), encLen)
	if err != nil {
		return blobstore.Info{}, fmt.Errorf("walrus: storing blob %s: %w", id, err)
	}
	if err := s.rec.append(rec); err != nil {
		return blobstore.Info{}, err
	}
	return s.info(rec), nil
}

// checkStored validates a publisher answer against the local blob ID and
// size and turns it into the record to keep.
func (s *Store) checkStored(r *storeResponse, id blobid.ID, size, encLen uint64) (Record, error) {
	rec := Record{BlobID: id, Size: size, EncodedLength: encLen, Publisher: s.cfg.Publisher, StoredAt: s.now()}
	same := func(got string) error {
		g, err := blobid.Parse(got)
		if err != nil {
			return fmt.Errorf("publisher %s answered a malformed blob ID %q", s.cfg.Publisher, got)
		}
		if g != id {
			return fmt.Errorf("%w: publisher %s stored blob ID %s for bytes whose blob ID is %s (is n_shards %d right?)",
				ErrMismatch, s.cfg.Publisher, g, id, s.cfg.NShards)
		}
		return nil
	}
	switch {
	case r.NewlyCreated != nil:
		b := r.NewlyCreated.BlobObject
		if err := same(b.BlobID); err != nil {
			return rec, err
		}
		if b.Size != size {
			return rec, fmt.Errorf("%w: publisher %s reports size %d for a %d-byte blob", ErrMismatch, s.cfg.Publisher, b.Size, size)
		}
		rec.ObjectID, rec.RegisteredEpoch, rec.EndEpoch = b.ID, b.RegisteredEpoch, b.Storage.EndEpoch
		rec.Deletable, rec.Cost = b.Deletable, r.NewlyCreated.Cost
		if b.CertifiedEpoch != nil {
			rec.CertifiedEpoch = *b.CertifiedEpoch
		}
	case r.AlreadyCertified != nil:
		a := r.AlreadyCertified
		if err := same(a.BlobID); err != nil {
			return rec, err
		}
		// Keep what an earlier Put learnt (object, cost); the publisher
		// only tells the object for an owned deletable blob (§4.1).
		if old, ok := s.rec.get(id); ok {
			rec = old
		}
		rec.EndEpoch = max(rec.EndEpoch, a.EndEpoch)
		if a.Object != "" {
			rec.ObjectID, rec.Deletable = a.Object, true
		}
	default:
		return rec, errors.New("unreachable: unchecked publisher answer")
	}
	if rec.EndEpoch == 0 {
		return rec, fmt.Errorf("publisher %s reported no end epoch", s.cfg.Publisher)
	}
	return rec, nil
}

// putRetry sends the PUT until it gets a usable answer, a permanent
// failure, or MaxAttempts transient failures.
func (s *Store) putRetry(ctx context.Context, data []byte) (*storeResponse, error) {
	u := s.putURL()
	var last error
	for attempt := 1; attempt <= s.cfg.MaxAttempts; attempt++ {
		r, wait, err := s.putOnce(ctx, u, data)
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var he *HTTPError
		if errors.As(err, &he) && !he.retryable() {
			return nil, fmt.Errorf("%w: %v", blobstore.ErrInvalid, err)
		}
		if errors.Is(err, blobstore.ErrInvalid) {
			return nil, err
		}
		last = err
		if attempt == s.cfg.MaxAttempts {
			break
		}
		d := max(wait, s.cfg.backoff(attempt))
		s.cfg.Logger.Warn("walrus: publisher failed, retrying", "attempt", attempt, "in", d, "err", err)
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: gave up after %d attempts: %v", blobstore.ErrUnavailable, s.cfg.MaxAttempts, last)
}

// putURL is PUT /v1/blobs with the store's query parameters (§4.1).
func (s *Store) putURL() string {
	q := url.Values{}
	q.Set("epochs", strconv.Itoa(s.cfg.Epochs))
	if s.cfg.Permanent {
		q.Set("permanent", "true")
	} else {
		q.Set("deletable", "true")
	}
	if s.cfg.SendObjectTo != "" {
		q.Set("send_object_to", s.cfg.SendObjectTo)
	}
	return s.cfg.Publisher + "/v1/blobs?" + q.Encode()
}

// putOnce makes one request. It returns the parsed answer, or an error
// and how long the server asked to wait (Retry-After). Errors wrapping
// ErrInvalid or a non-retryable *HTTPError are permanent.
func (s *Store) putOnce(ctx context.Context, u string, data []byte) (*storeResponse, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.PutTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(data))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", blobstore.ErrInvalid, err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	if s.cfg.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.BearerToken)
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("publisher %s: %w", s.cfg.Publisher, err)
	}
	defer resp.Body.Close()
	service := "publisher " + s.cfg.Publisher
	if resp.StatusCode != http.StatusOK {
		return nil, s.cfg.retryAfter(resp), readHTTPError(service, resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: reading the answer: %w", service, err)
	}
	var r storeResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, 0, fmt.Errorf("%s: answer is not the documented JSON (%v): %q", service, err, snippet(body))
	}
	switch {
	case r.NewlyCreated != nil || r.AlreadyCertified != nil:
		return &r, 0, nil
	case r.MarkedInvalid != nil:
		return nil, 0, fmt.Errorf("%w: %s: blob %s is marked invalid on Sui", blobstore.ErrInvalid, service, r.MarkedInvalid.BlobID)
	case r.Error != nil:
		return nil, 0, fmt.Errorf("%s: store failed in phase %q: %s", service, r.Error.FailurePhase, r.Error.ErrorMsg)
	}
	return nil, 0, fmt.Errorf("%s: answer has none of newlyCreated, alreadyCertified, markedInvalid, error: %q", service, snippet(body))
}
