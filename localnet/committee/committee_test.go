package committee

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/blobstoretest"
	"github.com/walrusfs/walrusfs/internal/syncbuf"
	"github.com/walrusfs/walrusfs/localnet/node"
)

// committee starts nNodes nodes over nShards shards, each behind wrap
// (nil: none), and returns their NodeInfo and servers.
func committee(t testing.TB, nNodes, nShards int, wrap func(i int, h http.Handler) http.Handler) ([]NodeInfo, []*httptest.Server) {
	var infos []NodeInfo
	var srvs []*httptest.Server
	next := 0
	for i := range nNodes {
		cnt := nShards / nNodes
		if i < nShards%nNodes {
			cnt++
		}
		var shards []int
		for range cnt {
			shards = append(shards, next)
			next++
		}
		nd, err := node.Open(filepath.Join(t.TempDir(), fmt.Sprint("n", i)), node.Options{NShards: nShards, Shards: shards})
		if err != nil {
			t.Fatal(err)
		}
		h := nd.Handler()
		if wrap != nil {
			h = wrap(i, h)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		srvs = append(srvs, srv)
		infos = append(infos, NodeInfo{Name: fmt.Sprint("node-", i), URL: srv.URL, Shards: shards})
	}
	return infos, srvs
}

func open(t testing.TB, cfg Config) *Client {
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	c, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestConformance(t *testing.T) {
	blobstoretest.Run(t, func(t *testing.T) blobstore.Store {
		nodes, _ := committee(t, 4, 10, nil)
		return open(t, Config{Committee: nodes})
	})
}

func TestCommitteeValidation(t *testing.T) {
	for _, c := range [][]NodeInfo{
		nil,
		{{Name: "a", URL: "http://x", Shards: []int{0, 1, 2, 2}}},
		{{Name: "a", URL: "http://x", Shards: []int{0, 1, 2, 7}}},
		{{Name: "a", Shards: []int{0, 1, 2, 3}}},
	} {
		if _, err := Open(context.Background(), Config{Committee: c, DataDir: t.TempDir()}); err == nil {
			t.Errorf("committee %+v accepted", c)
		}
	}
}

// fault is a misbehaving node: every request to it goes wrong in one way.
type fault func(w http.ResponseWriter, r *http.Request, next http.Handler)

var faults = map[string]fault{
	"500": func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		http.Error(w, "boom", 500)
	},
	"garbage": func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 300))
	},
	"truncated": func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body[:len(body)/2])
		panic(http.ErrAbortHandler) // close the connection mid-body
	},
	// badleaves: right slivers, wrong repair leaves (the hint of
	// VerifySliverHinted): reads must still take the node's slivers,
	// verified in full.
	"badleaves": func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if !strings.HasSuffix(r.URL.Path, "/leaves") {
			next.ServeHTTP(w, r)
			return
		}
		serveFlipped(w, r, next)
	},
	// noleaves: a node without the repair-leaves extension (or that lost
	// them): slivers verified in full.
	"noleaves": func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if strings.HasSuffix(r.URL.Path, "/leaves") {
			http.Error(w, `{"error":{"status":"NOT_FOUND","code":404,"message":"no such endpoint"}}`, 404)
			return
		}
		next.ServeHTTP(w, r)
	},
	// badsliver: right repair leaves, corrupted slivers: the hint must
	// not make a wrong sliver pass.
	"badsliver": func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method != "GET" || !strings.Contains(r.URL.Path, "/slivers/") || strings.HasSuffix(r.URL.Path, "/leaves") || strings.HasSuffix(r.URL.Path, "/status") {
			next.ServeHTTP(w, r)
			return
		}
		serveFlipped(w, r, next)
	},
	"slow": func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		select {
		case <-time.After(8 * time.Second):
		case <-r.Context().Done():
			return
		}
		next.ServeHTTP(w, r)
	},
}

// serveFlipped serves next's answer with its last byte flipped.
func serveFlipped(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if len(body) > 0 && rec.Code == 200 {
		body[len(body)-1] ^= 0x55
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// TestNodeFaults stores blobs on 7 nodes / 100 shards, then makes two
// nodes misbehave in each way (or go down) and reads everything back,
// over HTTP and with the nodes called in-process (Config.Local), where a
// node that is down aborts every request as embedded's stopped nodes do.
func TestNodeFaults(t *testing.T) {
	modes := []string{"down", "500", "garbage", "truncated", "slow", "badleaves", "noleaves", "badsliver"}
	for _, mode := range modes {
		for _, local := range []bool{false, true} {
			name := mode
			if local {
				name += "/local"
			}
			t.Run(name, func(t *testing.T) { testNodeFault(t, mode, local) })
		}
	}
}

func testNodeFault(t *testing.T, mode string, local bool) {
	var mu sync.Mutex
	active := false // GUARDED_BY(mu)
	bad := map[int]bool{1: true, 4: true}
	nodes, srvs := committee(t, 7, 100, func(i int, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			on := active && bad[i]
			mu.Unlock()
			if on && mode == "down" && local {
				panic(http.ErrAbortHandler)
			}
			if on {
				faults[mode](w, r, h)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	var lh map[string]http.Handler
	if local {
		lh = map[string]http.Handler{}
		for i, srv := range srvs {
			lh[nodes[i].URL] = srv.Config.Handler
		}
	}
	logs := &syncbuf.Buffer{}
	// The request timeout is generous so healthy nodes never hit it
	// on a loaded CI machine under -race; slow nodes take 8s.
	c := open(t, Config{Committee: nodes, RequestTimeout: 2 * time.Second, ReadTimeout: 30 * time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Local: lh})
	ctx := context.Background()
	var ids []blobid.ID
	var datas [][]byte
	for i, size := range []int{1, 5000, 700_000} {
		d := blobstoretest.Data(uint64(i), size)
		info, err := c.Put(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.ID)
		datas = append(datas, d)
	}
	if mode == "down" {
		srvs[1].Close()
		srvs[4].Close()
	}
	mu.Lock()
	active = true
	mu.Unlock()
	for i, id := range ids {
		start := time.Now()
		got, err := c.Read(ctx, id, 0, -1)
		if err != nil || !bytes.Equal(got, datas[i]) {
			t.Fatalf("read %d bytes: err %v", len(datas[i]), err)
		}
		// A slow node costs at most about one request timeout
		// for the metadata and one for the slivers, never its
		// full 8s delay.
		if el := time.Since(start); el > 6*time.Second {
			t.Fatalf("read took %v with two %s nodes", el, mode)
		}
		if len(datas[i]) > 10 {
			off := int64(len(datas[i]) / 3)
			got, err := c.Read(ctx, id, off, 7)
			if err != nil || !bytes.Equal(got, datas[i][off:off+7]) {
				t.Fatalf("range read: err %v", err)
			}
		}
	}
	if mode != "slow" && mode != "down" && mode != "badleaves" && mode != "noleaves" && !strings.Contains(logs.String(), "node-1") && !strings.Contains(logs.String(), "node-4") {
		t.Fatalf("the faulty nodes were not logged:\n%s", logs.String())
	}
	if (mode == "badleaves" || mode == "noleaves") && (strings.Contains(logs.String(), "invalid sliver") ||
		strings.Contains(logs.String(), "sliver not on node") || strings.Contains(logs.String(), "sliver request failed")) {
		t.Fatalf("a right sliver with a wrong hint was rejected:\n%s", logs.String())
	}
	if mode == "badleaves" || mode == "noleaves" || mode == "badsliver" {
		return // these nodes store correctly; only their reads lie
	}
	// Stores survive two faulty nodes too (5 of 7 nodes hold 72 of
	// 100 shards >= the write quorum of 67) and get queued.
	d := blobstoretest.Data(99, 20_000)
	info, err := c.Put(ctx, d)
	if err != nil {
		t.Fatalf("Put with two %s nodes: %v", mode, err)
	}
	if p, _ := c.queue.pending(); !slices.Contains(p, info.ID) {
		t.Fatalf("the degraded Put is not in the repair queue (%d entries)", len(p))
	}
	if got, err := c.Read(ctx, info.ID, 0, -1); err != nil || !bytes.Equal(got, d) {
		t.Fatalf("read back after a degraded Put: %v", err)
	}
}

// TestTooFewSlivers checks the error when most nodes are gone.
func TestTooFewSlivers(t *testing.T) {
	nodes, srvs := committee(t, 7, 100, nil)
	c := open(t, Config{Committee: nodes, RequestTimeout: time.Second})
	d := blobstoretest.Data(1, 100_000)
	info, err := c.Put(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	// Take 5 of 7 nodes down: the 2 left hold 28 primary slivers, fewer
	// than p = 34.
	for _, i := range []int{0, 1, 2, 3, 4} {
		srvs[i].Close()
	}
	_, err = c.Read(context.Background(), info.ID, 0, -1)
	var ue *blobstore.UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("Read with 5 of 7 nodes down: %v, want an UnavailableError", err)
	}
	if ue.Found != 28 || ue.Needed != 34 || !strings.Contains(err.Error(), "found 28 good slivers, 34 needed") {
		t.Fatalf("error %q: found %d needed %d, want 28 and 34", err, ue.Found, ue.Needed)
	}
	if _, err := c.Put(context.Background(), []byte("x")); !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("Put with 5 of 7 nodes down: %v, want ErrUnavailable", err)
	}
}

// TestRepairQueue stores with a node down, brings it back and checks that
// one repair pass completes the blob and empties the queue.
func TestRepairQueue(t *testing.T) {
	var mu sync.Mutex
	down := true // GUARDED_BY(mu)
	nodes, _ := committee(t, 7, 100, func(i int, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			d := down && i == 3
			mu.Unlock()
			if d {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	c := open(t, Config{Committee: nodes, RepairInterval: time.Hour})
	ctx := context.Background()
	d := blobstoretest.Data(5, 300_000)
	info, err := c.Put(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	rep := c.checkBlob(ctx, info.ID, false)
	if rep.Unreachable == 0 {
		t.Fatalf("node 3 should be unreachable: %+v", rep)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	st, err := c.RepairNow(ctx)
	if err != nil || st.Done != 1 {
		t.Fatalf("RepairNow = %+v, %v; want one blob done", st, err)
	}
	if p, _ := c.queue.pending(); len(p) != 0 {
		t.Fatalf("queue still has %d entries", len(p))
	}
	if rep := c.checkBlob(ctx, info.ID, false); !rep.Healthy() {
		t.Fatalf("after repair: %+v", rep)
	}
}

// countThrottle counts Yield and Workers calls.
type countThrottle struct {
	yields, workers atomic.Int64
	fail            error // returned by Yield when set
}

func (c *countThrottle) Yield(ctx context.Context) error {
	c.yields.Add(1)
	return c.fail
}

func (c *countThrottle) Workers() int { c.workers.Add(1); return 1 }

// TestPutThrottle: a Put whose ctx carries a Throttle yields at least once
// per sliver sent, asks for its workers, stores a readable blob, and stops
// with Yield's error.
func TestPutThrottle(t *testing.T) {
	nodes, _ := committee(t, 4, 10, nil)
	c := open(t, Config{Committee: nodes})
	th := &countThrottle{}
	data := bytes.Repeat([]byte("walrus"), 50000)
	info, err := c.Put(blobstore.WithThrottle(context.Background(), th), data)
	if err != nil {
		t.Fatal(err)
	}
	if n := th.yields.Load(); n < 2*10 {
		t.Errorf("%d yields for 20 slivers", n)
	}
	if th.workers.Load() == 0 {
		t.Error("Workers never asked")
	}
	got, err := c.Read(context.Background(), info.ID, 0, -1)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
	th.fail = errors.New("yield failed")
	if _, err := c.Put(blobstore.WithThrottle(context.Background(), th), data[1:]); !errors.Is(err, th.fail) {
		t.Fatalf("Put with a failing Yield: %v", err)
	}
}
