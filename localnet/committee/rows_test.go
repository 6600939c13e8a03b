package committee

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore/blobstoretest"
	"github.com/walrusfs/walrusfs/internal/syncbuf"
	"github.com/walrusfs/walrusfs/rs2"
)

// countingCommittee is a 7-node / 100-shard committee that counts the
// primary sliver requests per path; lie, if set, may rewrite the body of
// an answer (after the node produced it).
func countingCommittee(t *testing.T, lie func(node int, path string, body []byte) []byte) ([]NodeInfo, func() map[string]int) {
	var mu sync.Mutex
	counts := map[string]int{} // GUARDED_BY(mu)
	nodes, _ := committee(t, 7, 100, func(i int, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != "GET" || !strings.HasSuffix(r.URL.Path, "/primary") {
				h.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			counts[r.URL.Path]++
			mu.Unlock()
			if lie == nil {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := lie(i, r.URL.Path, rec.Body.Bytes())
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			w.WriteHeader(rec.Code)
			w.Write(body)
		})
	})
	return nodes, func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range counts {
			out[k] = v
		}
		return out
	}
}

// readBlocks reads the whole blob in blocks of bs bytes, all at once
// (as the mount's read-ahead does), and returns the bytes.
func readBlocks(t *testing.T, c *Client, id blobid.ID, size, bs int) []byte {
	t.Helper()
	out := make([]byte, size)
	errs := make([]error, (size+bs-1)/bs)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			off := i * bs
			n := min(bs, size-off)
			b, err := c.Read(context.Background(), id, int64(off), int64(n))
			if err == nil && len(b) != n {
				err = errors.New("short read")
			}
			if err == nil {
				copy(out[off:], b)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRowsFetchedOnce reads a blob in concurrent ranges that do not line
// up with its rows: each row shared by two ranges is fetched and verified
// once, and a second pass is served from the verified rows.
func TestRowsFetchedOnce(t *testing.T) {
	nodes, counts := countingCommittee(t, nil)
	c := open(t, Config{Committee: nodes})
	const size = 700_000 // symbol size 308: rows of 20,636 bytes
	d := blobstoretest.Data(7, size)
	info, err := c.Put(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if got := readBlocks(t, c, info.ID, size, 50_000); !bytes.Equal(got, d) {
		t.Fatal("wrong bytes")
	}
	got := counts()
	if len(got) != c.p.P {
		t.Fatalf("%d primary slivers requested, want the %d systematic ones", len(got), c.p.P)
	}
	for path, n := range got {
		if n != 1 {
			t.Errorf("%s requested %d times", path, n)
		}
	}
	if got := readBlocks(t, c, info.ID, size, 30_000); !bytes.Equal(got, d) {
		t.Fatal("wrong bytes on the second pass")
	}
	for path, n := range counts() {
		if n != 1 {
			t.Errorf("after a second pass, %s requested %d times", path, n)
		}
	}
}

// TestRowsLyingNode has a node flip a byte of every primary sliver it
// serves: reads still return the right bytes (rebuilt from other rows),
// the lie is logged, and no lie is ever kept in the row cache, so the
// node is asked again on the next read.
func TestRowsLyingNode(t *testing.T) {
	const liar = 2
	nodes, counts := countingCommittee(t, func(node int, _ string, body []byte) []byte {
		if node == liar && len(body) > 100 {
			body = bytes.Clone(body)
			body[len(body)/2] ^= 1
		}
		return body
	})
	logs := &syncbuf.Buffer{}
	c := open(t, Config{Committee: nodes, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	const size = 700_000
	d := blobstoretest.Data(8, size)
	info, err := c.Put(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	id := info.ID
	var lied []string
	for pair := range c.p.P {
		if c.shardNode[rs2.PairShard(id, pair, c.p.N)] == liar {
			lied = append(lied, sliverPath(id, pair, rs2.Primary))
		}
	}
	if len(lied) == 0 {
		t.Fatal("the liar holds no systematic row of the blob; pick another node")
	}
	for pass := 1; pass <= 2; pass++ {
		if got := readBlocks(t, c, info.ID, size, 50_000); !bytes.Equal(got, d) {
			t.Fatalf("pass %d: wrong bytes", pass)
		}
		got := counts()
		for _, p := range lied {
			if got[p] < pass {
				t.Fatalf("pass %d: lying row %s asked %d times: a lie was remembered", pass, p, got[p])
			}
		}
	}
	if !strings.Contains(logs.String(), "invalid sliver") {
		t.Fatalf("the lies were not logged:\n%s", logs.String())
	}
	m, err := c.fetchMetadata(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	c.rows.mu.Lock()
	defer c.rows.mu.Unlock()
	if len(c.rows.items) == 0 {
		t.Fatal("no rows cached")
	}
	for k, e := range c.rows.items {
		if err := c.enc.VerifySliver(m, e.Value.(*rowEntry).s); err != nil || k.id != id {
			t.Fatalf("cached row %d does not verify: %v", k.row, err)
		}
		if c.shardNode[rs2.PairShard(id, k.row, c.p.N)] == liar {
			t.Fatalf("row %d of the liar is cached", k.row)
		}
	}
}

// TestRowCacheJoinAfterCancel: a reader joining a row fetch whose own
// reader gives up fetches the row itself instead of failing.
func TestRowCacheJoinAfterCancel(t *testing.T) {
	rc := newRowCache(1 << 20)
	k := rowKey{row: 3}
	want := &rs2.Sliver{Data: []byte("row")}
	started, release := make(chan struct{}), make(chan struct{})
	ctx1, cancel1 := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := rc.get(ctx1, k, func(ctx context.Context) (*rs2.Sliver, error) {
			close(started)
			<-ctx.Done()
			<-release
			return nil, ctx.Err()
		})
		first <- err
	}()
	<-started
	second := make(chan error, 1)
	var calls int
	go func() {
		s, err := rc.get(context.Background(), k, func(context.Context) (*rs2.Sliver, error) {
			calls++
			return want, nil
		})
		if err == nil && s != want {
			err = errors.New("wrong sliver")
		}
		second <- err
	}()
	// Wait until the second reader has joined, then let the first give up.
	for {
		rc.mu.Lock()
		joined := rc.stats.joins == 1
		rc.mu.Unlock()
		if joined {
			break
		}
		runtime.Gosched()
	}
	cancel1()
	close(release)
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first reader: %v, want context.Canceled", err)
	}
	if err := <-second; err != nil || calls != 1 {
		t.Fatalf("second reader: %v after %d fetches, want the row after 1", err, calls)
	}
	if s, err := rc.get(context.Background(), k, nil); err != nil || s != want {
		t.Fatalf("cached row: %v", err)
	}
}

// TestRowCacheBound: the cache never holds more bytes than its bound,
// evicting least recently used rows first.
func TestRowCacheBound(t *testing.T) {
	rc := newRowCache(100)
	put := func(row, n int) {
		t.Helper()
		if _, err := rc.get(context.Background(), rowKey{row: row}, func(context.Context) (*rs2.Sliver, error) {
			return &rs2.Sliver{Data: make([]byte, n)}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(1, 40)
	put(2, 40)
	put(1, 0) // a hit: row 1 becomes the most recent
	put(3, 40)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	_, has1 := rc.items[rowKey{row: 1}]
	_, has2 := rc.items[rowKey{row: 2}]
	if rc.bytes != 80 || !has1 || has2 {
		t.Fatalf("bytes %d, row 1 cached %v, row 2 cached %v; want 80, true, false", rc.bytes, has1, has2)
	}
}
