package blobstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
)

// Run runs the conformance suite. newStore must return a new, empty store
// for each call; cleanup is the caller's (use t.Cleanup).
func Run(t *testing.T, newStore func(t *testing.T) blobstore.Store) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, newStore(t)) })
	t.Run("OneByte", func(t *testing.T) { testOneByte(t, newStore(t)) })
	t.Run("Ranges", func(t *testing.T) { testRanges(t, newStore(t)) })
	t.Run("BadRanges", func(t *testing.T) { testBadRanges(t, newStore(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newStore(t)) })
	t.Run("Idempotent", func(t *testing.T) { testIdempotent(t, newStore(t)) })
	t.Run("DeleteList", func(t *testing.T) { testDeleteList(t, newStore(t)) })
	t.Run("Canceled", func(t *testing.T) { testCanceled(t, newStore(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newStore(t)) })
}

// Data returns n deterministic pseudo-random bytes for seed.
func Data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(t *testing.T, s blobstore.Store, data []byte) blobstore.Info {
	t.Helper()
	info, err := s.Put(context.Background(), data)
	if err != nil {
		t.Fatalf("Put(%d bytes): %v", len(data), err)
	}
	if info.Size != uint64(len(data)) {
		t.Fatalf("Put(%d bytes): Info.Size = %d", len(data), info.Size)
	}
	return info
}

func expectRead(t *testing.T, s blobstore.Store, id blobid.ID, data []byte, off, length int64) {
	t.Helper()
	got, err := s.Read(context.Background(), id, off, length)
	if err != nil {
		t.Fatalf("Read(%d, %d) of a %d-byte blob: %v", off, length, len(data), err)
	}
	end := int64(len(data))
	if length >= 0 {
		end = off + length
	}
	if !bytes.Equal(got, data[off:end]) {
		t.Fatalf("Read(%d, %d) of a %d-byte blob returned %d wrong bytes", off, length, len(data), len(got))
	}
}

func expectErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
	if !blobstore.IsPermanent(err) {
		t.Fatalf("%s: %v should be permanent", what, err)
	}
}

func testEmpty(t *testing.T, s blobstore.Store) {
	info := put(t, s, nil)
	expectRead(t, s, info.ID, nil, 0, -1)
	expectRead(t, s, info.ID, nil, 0, 0)
	st, err := s.Stat(context.Background(), info.ID)
	if err != nil || st.Size != 0 || st.ID != info.ID {
		t.Fatalf("Stat of the empty blob = %+v, %v", st, err)
	}
	_, err = s.Read(context.Background(), info.ID, 0, 1)
	expectErr(t, "Read(0,1) of the empty blob", err, blobstore.ErrInvalid)
	other := put(t, s, []byte{0})
	if other.ID == info.ID {
		t.Fatal("the empty blob and a one-zero-byte blob have the same ID")
	}
}

func testOneByte(t *testing.T, s blobstore.Store) {
	data := []byte{0xa5}
	info := put(t, s, data)
	expectRead(t, s, info.ID, data, 0, -1)
	expectRead(t, s, info.ID, data, 0, 1)
	expectRead(t, s, info.ID, data, 1, 0)
	expectRead(t, s, info.ID, data, 1, -1)
	_, err := s.Read(context.Background(), info.ID, 1, 1)
	expectErr(t, "Read(1,1) of a one-byte blob", err, blobstore.ErrInvalid)
}

// testRanges reads ranges that start and end at, just before and just
// after powers of two and at the blob's ends, plus random ranges. With
// Walrus symbol sizes these cross row (primary sliver) boundaries.
func testRanges(t *testing.T, s blobstore.Store) {
	for _, size := range []int{2, 1000, 70_001, 300_000} {
		data := Data(uint64(size), size)
		info := put(t, s, data)
		expectRead(t, s, info.ID, data, 0, -1)
		var offs []int64
		for p := int64(1); p < int64(size); p *= 4 {
			offs = append(offs, p-1, p, p+1)
		}
		offs = append(offs, int64(size)-1, int64(size))
		for _, off := range offs {
			if off < 0 || off > int64(size) {
				continue
			}
			rest := int64(size) - off
			for _, l := range []int64{0, 1, 2, 63, 4097, rest} {
				if l <= rest {
					expectRead(t, s, info.ID, data, off, l)
				}
			}
			expectRead(t, s, info.ID, data, off, -1)
		}
		r := rand.New(rand.NewPCG(uint64(size), 1))
		for range 8 {
			off := r.Int64N(int64(size))
			expectRead(t, s, info.ID, data, off, r.Int64N(int64(size)-off+1))
		}
	}
}

func testBadRanges(t *testing.T, s blobstore.Store) {
	data := Data(7, 5000)
	info := put(t, s, data)
	for _, c := range []struct{ off, length int64 }{
		{-1, 1}, {-1, -1}, {5001, 0}, {5001, -1}, {0, 5001}, {4999, 2}, {5000, 1}, {1 << 62, 1},
	} {
		_, err := s.Read(context.Background(), info.ID, c.off, c.length)
		expectErr(t, fmt.Sprintf("Read(%d, %d) of a 5000-byte blob", c.off, c.length), err, blobstore.ErrInvalid)
	}
}

func testNotFound(t *testing.T, s blobstore.Store) {
	put(t, s, Data(1, 100))
	var id blobid.ID
	copy(id[:], Data(99, 32))
	ctx := context.Background()
	_, err := s.Read(ctx, id, 0, -1)
	expectErr(t, "Read of an unknown blob", err, blobstore.ErrNotFound)
	_, err = s.Stat(ctx, id)
	expectErr(t, "Stat of an unknown blob", err, blobstore.ErrNotFound)
	expectErr(t, "Delete of an unknown blob", s.Delete(ctx, id), blobstore.ErrNotFound)
}

func testIdempotent(t *testing.T, s blobstore.Store) {
	data := Data(3, 12345)
	a := put(t, s, data)
	b := put(t, s, data)
	if a.ID != b.ID {
		t.Fatalf("the same bytes stored twice got IDs %s and %s", a.ID, b.ID)
	}
	c := put(t, s, Data(4, 12345))
	if c.ID == a.ID {
		t.Fatal("different bytes got the same ID")
	}
	expectRead(t, s, a.ID, data, 0, -1)
}

func testDeleteList(t *testing.T, s blobstore.Store) {
	ctx := context.Background()
	want := map[blobid.ID]uint64{}
	var ids []blobid.ID
	for i := range 4 {
		info := put(t, s, Data(uint64(100+i), 100*i))
		want[info.ID] = info.Size
		ids = append(ids, info.ID)
	}
	if err := s.Delete(ctx, ids[1]); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	delete(want, ids[1])
	_, err := s.Read(ctx, ids[1], 0, -1)
	expectErr(t, "Read after Delete", err, blobstore.ErrNotFound)
	got := map[blobid.ID]uint64{}
	err = s.List(ctx, func(in blobstore.Info) error {
		if _, dup := got[in.ID]; dup {
			return fmt.Errorf("blob %s listed twice", in.ID)
		}
		got[in.ID] = in.Size
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("List returned %d blobs, want %d", len(got), len(want))
	}
	for id, size := range want {
		if gs, ok := got[id]; !ok || gs != size {
			t.Fatalf("List: blob %s size %d (present %v), want %d", id, gs, ok, size)
		}
	}
	stop := errors.New("stop")
	calls := 0
	if err := s.List(ctx, func(blobstore.Info) error { calls++; return stop }); err != stop || calls != 1 {
		t.Fatalf("List with a failing callback: err %v after %d calls, want the callback's error after 1", err, calls)
	}
}

func testCanceled(t *testing.T, s blobstore.Store) {
	data := Data(5, 3000)
	info := put(t, s, data)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Read(ctx, info.ID, 0, -1); err == nil {
		t.Fatal("Read with a canceled context succeeded")
	}
	if _, err := s.Put(ctx, Data(6, 10)); err == nil {
		t.Fatal("Put with a canceled context succeeded")
	}
}

// testConcurrent runs 32 goroutines that each store a distinct blob and
// read it back whole and in part, while reading each other's blobs.
func testConcurrent(t *testing.T, s blobstore.Store) {
	const workers = 32
	ctx := context.Background()
	datas := make([][]byte, workers)
	ids := make([]blobid.ID, workers)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		datas[i] = Data(uint64(1000+i), 500+i*997)
		wg.Go(func() {
			info, err := s.Put(ctx, datas[i])
			if err != nil {
				errs <- fmt.Errorf("worker %d: Put: %w", i, err)
				return
			}
			ids[i] = info.ID
			got, err := s.Read(ctx, info.ID, 0, -1)
			if err != nil || !bytes.Equal(got, datas[i]) {
				errs <- fmt.Errorf("worker %d: Read: %d bytes, err %v", i, len(got), err)
				return
			}
			got, err = s.Read(ctx, info.ID, 100, 300)
			if err != nil || !bytes.Equal(got, datas[i][100:400]) {
				errs <- fmt.Errorf("worker %d: Read(100,300): err %v", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for i := range workers {
		wg.Go(func() {
			j := (i + 7) % workers
			got, err := s.Read(ctx, ids[j], 0, -1)
			if err != nil || !bytes.Equal(got, datas[j]) {
				t.Errorf("reader %d of blob %d: err %v", i, j, err)
			}
		})
	}
	wg.Wait()
}
