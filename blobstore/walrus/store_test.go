package walrus_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/blobstoretest"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/blobstore/walrus/walrustest"
	"github.com/walrusfs/walrusfs/rs2"
)

// newStore opens a store on srv with fast retries; mut may adjust cfg.
func newStore(t *testing.T, srv *walrustest.Server, mut func(*walrus.Config)) *walrus.Store {
	t.Helper()
	cfg := walrus.Config{
		Publisher:    srv.PublisherURL(),
		Aggregators:  srv.AggregatorURLs(),
		NShards:      srv.NShards(),
		DataDir:      t.TempDir(),
		Backoff:      time.Millisecond,
		MaxBackoff:   4 * time.Millisecond,
		StallTimeout: 300 * time.Millisecond,
		Deleter: func(_ context.Context, r walrus.Record) error {
			return srv.DeleteObject(r.ObjectID)
		},
	}
	if mut != nil {
		mut(&cfg)
	}
	s, err := walrus.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	blobstoretest.Run(t, func(t *testing.T) blobstore.Store {
		return newStore(t, walrustest.NewServer(t, nil), nil)
	})
}

// TestConformanceLyingAggregator runs the suite with a first aggregator
// that serves wrong bytes for every stored blob and a second one that
// works: every read must fail over, and no wrong byte may get through.
// (A first aggregator answering 503 forever cannot pass the suite by
// design: a 404 from the others is then not conclusive, see
// TestNotFoundNeedsAgreement.)
func TestConformanceLyingAggregator(t *testing.T) {
	blobstoretest.Run(t, func(t *testing.T) blobstore.Store {
		srv := walrustest.NewServer(t, &walrustest.Options{Aggregators: 2})
		srv.FailAggregator(0, walrustest.WrongBytes, -1)
		return newStore(t, srv, nil)
	})
}

func TestConformanceTrustAggregator(t *testing.T) {
	blobstoretest.Run(t, func(t *testing.T) blobstore.Store {
		return newStore(t, walrustest.NewServer(t, nil), func(c *walrus.Config) { c.TrustAggregator = true; c.DataDir = "" })
	})
}

// TestRealShardCount stores and reads a blob at n=1000 and checks the ID
// against the encoder and the recorded cost against the price rule.
func TestRealShardCount(t *testing.T) {
	srv := walrustest.NewServer(t, &walrustest.Options{NShards: 1000, StoragePrice: 7, WritePrice: 3})
	s := newStore(t, srv, func(c *walrus.Config) { c.Epochs = 5 })
	data := blobstoretest.Data(42, 100_000)
	info, err := s.Put(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := rs2.NewEncoder(1000)
	m, _ := enc.ComputeMetadata(data)
	if info.ID != m.BlobID() {
		t.Fatalf("ID %s, encoder says %s", info.ID, m.BlobID())
	}
	got, err := s.Read(context.Background(), info.ID, 10, 20)
	if err != nil || !bytes.Equal(got, data[10:30]) {
		t.Fatalf("Read: %v", err)
	}
	recs := s.Records()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	encLen, _ := enc.Params().EncodedLength(uint64(len(data)))
	units := (encLen + 1<<20 - 1) >> 20
	if r.EncodedLength != encLen || r.Cost != units*7*5+units*3 || r.EndEpoch != srv.Epoch()+5 || !r.Deletable || r.ObjectID == "" {
		t.Fatalf("record %+v (encoded %d, units %d)", r, encLen, units)
	}
}

// TestRecordPersists reopens a data dir and finds the record, checks the
// lock against a second opener, and checks Forget.
func TestRecordPersists(t *testing.T) {
	srv := walrustest.NewServer(t, nil)
	dir := t.TempDir()
	cfg := walrus.Config{Publisher: srv.PublisherURL(), Aggregators: srv.AggregatorURLs(), NShards: srv.NShards(), DataDir: dir}
	s, err := walrus.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []blobid.ID
	for i := range 3 {
		info, err := s.Put(ctx, blobstoretest.Data(uint64(i), 1000+i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.ID)
	}
	if _, err := walrus.New(cfg); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second store on the same data dir: %v", err)
	}
	if err := s.Forget(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget(ctx, ids[0]); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("second Forget: %v", err)
	}
	// Forget leaves the blob on Walrus.
	if _, err := s.Read(ctx, ids[0], 0, -1); err != nil {
		t.Fatalf("Read after Forget: %v", err)
	}
	// Churn: 40 put+forget pairs leave 80 dead lines for compaction.
	for i := range 40 {
		info, err := s.Put(ctx, blobstoretest.Data(uint64(100+i), 10))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Forget(ctx, info.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash mid-append leaves a torn last line; it is ignored.
	f, err := os.OpenFile(filepath.Join(dir, walrus.RecordFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"blobId":"AAAA`)
	f.Close()
	recs, err := walrus.LoadRecords(dir)
	if err != nil || len(recs) != 2 {
		t.Fatalf("LoadRecords: %d records, %v", len(recs), err)
	}
	s2, err := walrus.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if b, _ := os.ReadFile(filepath.Join(dir, walrus.RecordFile)); bytes.Count(b, []byte("\n")) != 2 || b[len(b)-1] != '\n' {
		t.Fatalf("record not compacted on open, or torn line kept: %q", b)
	}
	got := map[blobid.ID]bool{}
	for _, r := range s2.Records() {
		got[r.BlobID] = true
	}
	if len(got) != 2 || !got[ids[1]] || !got[ids[2]] {
		t.Fatalf("reopened record: %v", got)
	}
	if exp := s2.Expiring(srv.Epoch(), 0); len(exp) != 0 {
		t.Fatalf("Expiring(now, 0) = %d records, want 0", len(exp))
	}
	if exp := s2.Expiring(srv.Epoch(), 1); len(exp) != 2 {
		t.Fatalf("Expiring(now, 1) = %d records, want 2", len(exp))
	}
}

// TestDeleteNotSupported: without a Deleter, Delete changes nothing.
func TestDeleteNotSupported(t *testing.T) {
	srv := walrustest.NewServer(t, nil)
	s := newStore(t, srv, func(c *walrus.Config) { c.Deleter = nil })
	ctx := context.Background()
	info, err := s.Put(ctx, []byte("keep me"))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Delete(ctx, info.ID)
	if !errors.Is(err, walrus.ErrNotSupported) || !strings.Contains(err.Error(), "Sui transaction") {
		t.Fatalf("Delete: %v", err)
	}
	if len(s.Records()) != 1 {
		t.Fatal("Delete without a Deleter changed the record")
	}
	if _, err := s.Read(ctx, info.ID, 0, -1); err != nil {
		t.Fatal(err)
	}
	p := newStore(t, srv, func(c *walrus.Config) { c.Permanent = true })
	pinfo, err := p.Put(ctx, []byte("forever"))
	if err != nil {
		t.Fatal(err)
	}
	if q := srv.LastPutQuery(); q.Get("permanent") != "true" || q.Get("deletable") != "" {
		t.Fatalf("permanent store sent %v", q)
	}
	if err := p.Delete(ctx, pinfo.ID); !errors.Is(err, blobstore.ErrInvalid) {
		t.Fatalf("Delete of a permanent blob: %v", err)
	}
}

// TestPutParameters checks the query and the bearer token.
func TestPutParameters(t *testing.T) {
	srv := walrustest.NewServer(t, &walrustest.Options{Token: "s3cret"})
	addr := "0x" + strings.Repeat("ab", 32)
	s := newStore(t, srv, func(c *walrus.Config) { c.Epochs = 7; c.SendObjectTo = addr })
	ctx := context.Background()
	if _, err := s.Put(ctx, []byte("x")); err == nil || !strings.Contains(err.Error(), "401") ||
		!strings.Contains(err.Error(), "missing or invalid bearer token") || !blobstore.IsPermanent(err) {
		t.Fatalf("Put without the token: %v", err)
	}
	if n := srv.PublisherRequests(); n != 1 {
		t.Fatalf("401 was retried: %d requests", n)
	}
	s = newStore(t, srv, func(c *walrus.Config) { c.Epochs = 7; c.SendObjectTo = addr; c.BearerToken = "s3cret" })
	if _, err := s.Put(ctx, []byte("x")); err != nil {
		t.Fatal(err)
	}
	q := srv.LastPutQuery()
	if q.Get("epochs") != "7" || q.Get("send_object_to") != addr || q.Get("deletable") != "true" {
		t.Fatalf("query %v", q)
	}
	if r := s.Records()[0]; r.EndEpoch != srv.Epoch()+7 {
		t.Fatalf("end epoch %d", r.EndEpoch)
	}
}

// TestNoPublisher: mainnet has no public publisher; say so.
func TestNoPublisher(t *testing.T) {
	srv := walrustest.NewServer(t, nil)
	s := newStore(t, srv, func(c *walrus.Config) { c.Publisher = ""; c.Network = "mainnet" })
	_, err := s.Put(context.Background(), []byte("x"))
	if !errors.Is(err, walrus.ErrNoPublisher) || !strings.Contains(err.Error(), "mainnet has no public publisher") {
		t.Fatalf("Put: %v", err)
	}
	if srv.PublisherRequests() != 0 {
		t.Fatal("a request was sent")
	}
}

// TestMaxBlobSize: the limit known before a store is opened is the one
// the store then enforces: the publisher's limit, capped by RS2's for the
// shard count.
func TestMaxBlobSize(t *testing.T) {
	for _, c := range []struct {
		cfg  walrus.Config
		want int64
	}{
		{walrus.Config{Publisher: "http://p", Aggregators: []string{"http://a"}}, walrus.DefaultMaxBlobSize},
		{walrus.Config{Publisher: "http://p", Aggregators: []string{"http://a"}, NShards: 10, MaxBlobSize: 10 << 20}, 1834952},
		{walrus.Config{Publisher: "http://p", Aggregators: []string{"http://a"}, MaxBlobSize: 1 << 20}, 1 << 20},
	} {
		got := walrus.MaxBlobSize(c.cfg)
		s, err := walrus.New(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want || s.MaxBlobSize() != got {
			t.Errorf("%+v: MaxBlobSize %d, store's %d, want %d", c.cfg, got, s.MaxBlobSize(), c.want)
		}
		_ = s.Close()
	}
	if got := walrus.MaxBlobSize(walrus.Config{Epochs: -1}); got != 0 {
		t.Errorf("invalid config: %d, want 0", got)
	}
}
