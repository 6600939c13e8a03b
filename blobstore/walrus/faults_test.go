package walrus_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/blobstoretest"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/blobstore/walrus/walrustest"
)

// putForeign stores data through a separate store so that s has no
// record of it (reads of it are reads of someone else's blob).
func putForeign(t *testing.T, srv *walrustest.Server, data []byte) blobid.ID {
	t.Helper()
	info, err := newStore(t, srv, nil).Put(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

func mustContain(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

func TestAggregatorWrongBytes(t *testing.T) {
	srv := walrustest.NewServer(t, nil)
	data := blobstoretest.Data(1, 5000)
	id := putForeign(t, srv, data)
	s := newStore(t, srv, nil)
	ctx := context.Background()
	srv.FailAggregator(0, walrustest.WrongBytes, -1)
	got, err := s.Read(ctx, id, 0, 10)
	if got != nil || !errors.Is(err, blobstore.ErrUnavailable) || !errors.Is(err, walrus.ErrMismatch) {
		t.Fatalf("Read from a lying aggregator: %d bytes, %v", len(got), err)
	}
	mustContain(t, err, srv.AggregatorURL(0), "whose blob ID is")
	if n := srv.AggregatorRequests(0); n != 1 {
		t.Fatalf("a lying aggregator was asked %d times, want 1", n)
	}
	if _, err := s.Stat(ctx, id); !errors.Is(err, walrus.ErrMismatch) {
		t.Fatalf("Stat from a lying aggregator: %v", err)
	}
	// Nothing wrong was cached: once the aggregator is honest, reads work.
	srv.FailAggregator(0, walrustest.None, 0)
	got, err = s.Read(ctx, id, 100, 50)
	if err != nil || !bytes.Equal(got, data[100:150]) {
		t.Fatalf("Read after the fault: %v", err)
	}
}

func TestAggregatorFailover(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault walrustest.Fault
	}{
		{"wrong bytes", walrustest.WrongBytes},
		{"truncated", walrustest.Truncated},
		{"503", walrustest.Unavailable},
		{"429", walrustest.TooManyRequests},
		{"slow body", walrustest.SlowBody},
		{"404", walrustest.NotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := walrustest.NewServer(t, &walrustest.Options{Aggregators: 2})
			data := blobstoretest.Data(2, 70_001)
			id := putForeign(t, srv, data)
			s := newStore(t, srv, nil)
			srv.FailAggregator(0, c.fault, -1)
			start := time.Now()
			got, err := s.Read(context.Background(), id, 7, 1000)
			if err != nil || !bytes.Equal(got, data[7:1007]) {
				t.Fatalf("Read: %v", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("failover took %v", d)
			}
			if srv.AggregatorRequests(0) != 1 || srv.AggregatorRequests(1) != 1 {
				t.Fatalf("requests %d, %d; want 1, 1", srv.AggregatorRequests(0), srv.AggregatorRequests(1))
			}
		})
	}
}

// TestAggregatorTransientThenOK: one aggregator, a fault for two requests,
// then good answers: the read retries in rounds and succeeds.
func TestAggregatorTransientThenOK(t *testing.T) {
	for _, f := range []walrustest.Fault{walrustest.Unavailable, walrustest.Truncated, walrustest.SlowBody} {
		srv := walrustest.NewServer(t, nil)
		data := blobstoretest.Data(3, 4000)
		id := putForeign(t, srv, data)
		s := newStore(t, srv, nil)
		srv.FailAggregator(0, f, 2)
		got, err := s.Read(context.Background(), id, 0, -1)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("fault %d: Read: %v", f, err)
		}
		if n := srv.AggregatorRequests(0); n != 3 {
			t.Fatalf("fault %d: %d requests, want 3", f, n)
		}
	}
}

// TestAggregatorGivesUp: a fault on every request of the only aggregator
// ends in ErrUnavailable after MaxAttempts rounds, with the reason shown.
func TestAggregatorGivesUp(t *testing.T) {
	for _, c := range []struct {
		fault walrustest.Fault
		want  string
	}{
		{walrustest.Unavailable, "503 Service Unavailable BLOB_UNAVAILABLE"},
		{walrustest.Truncated, "body cut after"},
		{walrustest.SlowBody, "no data for"},
	} {
		srv := walrustest.NewServer(t, nil)
		id := putForeign(t, srv, blobstoretest.Data(4, 3000))
		s := newStore(t, srv, func(c *walrus.Config) { c.MaxAttempts = 3; c.StallTimeout = 100 * time.Millisecond })
		srv.FailAggregator(0, c.fault, -1)
		_, err := s.Read(context.Background(), id, 0, -1)
		if !errors.Is(err, blobstore.ErrUnavailable) || blobstore.IsPermanent(err) {
			t.Fatalf("fault %d: %v", c.fault, err)
		}
		mustContain(t, err, c.want, srv.AggregatorURL(0))
		if n := srv.AggregatorRequests(0); n != 3 {
			t.Fatalf("fault %d: %d requests, want 3", c.fault, n)
		}
	}
}

// TestNotFoundNeedsAgreement: ErrNotFound only when every aggregator says
// 404, and never for a blob this store put (a CDN may cache a 404).
func TestNotFoundNeedsAgreement(t *testing.T) {
	srv := walrustest.NewServer(t, &walrustest.Options{Aggregators: 2})
	s := newStore(t, srv, func(c *walrus.Config) { c.MaxAttempts = 2 })
	ctx := context.Background()
	var unknown blobid.ID
	copy(unknown[:], blobstoretest.Data(5, 32))
	if _, err := s.Read(ctx, unknown, 0, -1); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("both say 404: %v", err)
	}
	srv.FailAggregator(1, walrustest.Unavailable, -1)
	if _, err := s.Read(ctx, unknown, 0, -1); !errors.Is(err, blobstore.ErrUnavailable) || errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("one 404, one 503: %v", err)
	}
	srv.FailAggregator(1, walrustest.None, 0)
	info, err := s.Put(ctx, []byte("fresh"))
	if err != nil {
		t.Fatal(err)
	}
	srv.FailAggregator(0, walrustest.NotFound, -1)
	srv.FailAggregator(1, walrustest.NotFound, -1)
	if _, err := s.Read(ctx, info.ID, 0, -1); !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("404 for our own blob: %v", err)
	}
	srv.FailAggregator(0, walrustest.NotFound, 1) // a stale cached 404, once
	srv.FailAggregator(1, walrustest.NotFound, 1)
	if got, err := s.Read(ctx, info.ID, 0, -1); err != nil || string(got) != "fresh" {
		t.Fatalf("after a stale 404: %q, %v", got, err)
	}
}

// TestTrustAggregatorGivesUpVerification shows what TrustAggregator
// costs: a ranged read is served by a Range request and its bytes are not
// checked, while a whole read still is.
func TestTrustAggregatorGivesUpVerification(t *testing.T) {
	srv := walrustest.NewServer(t, nil)
	data := blobstoretest.Data(6, 10_000)
	id := putForeign(t, srv, data)
	s := newStore(t, srv, func(c *walrus.Config) { c.TrustAggregator = true })
	ctx := context.Background()
	got, err := s.Read(ctx, id, 1000, 100)
	if err != nil || !bytes.Equal(got, data[1000:1100]) {
		t.Fatalf("honest ranged read: %v", err)
	}
	srv.FailAggregator(0, walrustest.WrongBytes, -1)
	got, err = s.Read(ctx, id, 1000, 100)
	if err != nil || bytes.Equal(got, data[1000:1100]) || len(got) != 100 {
		t.Fatalf("a lying aggregator's range should pass unverified: %d bytes, %v", len(got), err)
	}
	if _, err := s.Read(ctx, id, 0, -1); !errors.Is(err, walrus.ErrMismatch) {
		t.Fatalf("whole read from a lying aggregator: %v", err)
	}
}

func TestPublisherFaults(t *testing.T) {
	for _, c := range []struct {
		name      string
		fault     walrustest.Fault
		times     int
		requests  int    // publisher requests expected
		want      string // in the error; "" = success
		permanent bool
	}{
		{"413", walrustest.TooLarge, -1, 1, "413 Request Entity Too Large PAYLOAD_TOO_LARGE: the blob exceeds", true},
		{"504 twice", walrustest.GatewayTimeout, 2, 3, "", false},
		{"504 forever", walrustest.GatewayTimeout, -1, 3, "504 Gateway Timeout DEADLINE_EXCEEDED: could not store", false},
		{"429 once", walrustest.TooManyRequests, 1, 2, "", false},
		{"garbage once", walrustest.GarbageJSON, 1, 2, "", false},
		{"garbage forever", walrustest.GarbageJSON, -1, 3, "not the documented JSON", false},
		{"foreign blob ID", walrustest.ForeignBlobID, -1, 1, "stored blob ID", false},
		{"store error", walrustest.StoreError, -1, 3, `failed in phase "store"`, false},
		{"marked invalid", walrustest.MarkedInvalid, -1, 1, "marked invalid", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := walrustest.NewServer(t, nil)
			s := newStore(t, srv, func(c *walrus.Config) { c.MaxAttempts = 3 })
			srv.FailPublisher(c.fault, c.times)
			data := blobstoretest.Data(7, 2000)
			info, err := s.Put(context.Background(), data)
			if n := srv.PublisherRequests(); n != c.requests {
				t.Errorf("%d publisher requests, want %d", n, c.requests)
			}
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got, err := s.Read(context.Background(), info.ID, 0, -1); err != nil || !bytes.Equal(got, data) {
					t.Fatalf("Read back: %v", err)
				}
				return
			}
			mustContain(t, err, c.want, srv.PublisherURL())
			if blobstore.IsPermanent(err) != c.permanent {
				t.Fatalf("IsPermanent(%v) = %v", err, !c.permanent)
			}
			if c.fault == walrustest.ForeignBlobID && !errors.Is(err, walrus.ErrMismatch) {
				t.Fatalf("foreign blob ID: %v does not wrap ErrMismatch", err)
			}
			if n := len(s.Records()); n != 0 {
				t.Fatalf("%d blobs recorded after a failed Put", n)
			}
		})
	}
}

func TestPublisherLimits(t *testing.T) {
	srv := walrustest.NewServer(t, nil)
	s := newStore(t, srv, func(c *walrus.Config) { c.MaxBlobSize = 1000 })
	_, err := s.Put(context.Background(), make([]byte, 1001))
	if !errors.Is(err, blobstore.ErrInvalid) || srv.PublisherRequests() != 0 {
		t.Fatalf("oversized Put: %v after %d requests", err, srv.PublisherRequests())
	}
	mustContain(t, err, "exceeds the publisher limit of 1000 bytes")
	if s.MaxBlobSize() != 1000 {
		t.Fatalf("MaxBlobSize %d", s.MaxBlobSize())
	}
	// A publisher that is down: connection errors are retried, then fail.
	dead := httptest.NewServer(nil)
	dead.Close()
	s = newStore(t, srv, func(c *walrus.Config) { c.Publisher = dead.URL; c.MaxAttempts = 2 })
	_, err = s.Put(context.Background(), []byte("x"))
	if !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("Put to a dead publisher: %v", err)
	}
	mustContain(t, err, "gave up after 2 attempts", "connection refused")
}
