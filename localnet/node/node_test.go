package node

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/rs2"
)

type fixture struct {
	t     *testing.T
	node  *Node
	srv   *httptest.Server
	id    blobid.ID
	meta  *rs2.Metadata
	slvs  map[[2]int][]byte // (pair, type) -> BCS
	owned int               // a pair whose shard the node holds
	other int               // a pair whose shard it does not hold
}

// newFixture runs a node holding shards 0-4 of 10 and encodes a blob.
func newFixture(t *testing.T) *fixture {
	return newFixtureOpts(t, Options{})
}

// newFixtureOpts is newFixture with more options (shards are set here).
func newFixtureOpts(t *testing.T, o Options) *fixture {
	o.NShards, o.Shards = 10, []int{0, 1, 2, 3, 4}
	nd, err := Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nd.Handler())
	t.Cleanup(srv.Close)
	enc, _ := rs2.NewEncoder(10)
	f := &fixture{t: t, node: nd, srv: srv, slvs: map[[2]int][]byte{}}
	data := bytes.Repeat([]byte("walrus!"), 1000)
	var mu sync.Mutex // emit runs on several goroutines
	f.meta, err = enc.Encode(data, func(s *rs2.Sliver) error {
		b := s.MarshalBCS()
		mu.Lock()
		defer mu.Unlock()
		f.slvs[[2]int{s.PairIndex(10), int(s.Type)}] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.id = f.meta.BlobID()
	f.owned = rs2.ShardPair(f.id, 2, 10)
	f.other = rs2.ShardPair(f.id, 7, 10)
	return f
}

func (f *fixture) do(method, path, ctype string, body []byte) (int, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (f *fixture) sliverURL(pair int, t string) string {
	return "/v1/blobs/" + f.id.String() + "/slivers/" + itoa(pair) + "/" + t
}

func itoa(i int) string { return strconv.Itoa(i) }

const bcs = "application/octet-stream"

func (f *fixture) putMeta() {
	f.t.Helper()
	code, body := f.do("PUT", "/v1/blobs/"+f.id.String()+"/metadata", bcs, f.meta.MarshalBCS())
	if code != 201 {
		f.t.Fatalf("PUT metadata: %d %s", code, body)
	}
}

func wantError(t *testing.T, what string, code int, body []byte, wantCode int) {
	t.Helper()
	if code != wantCode {
		t.Fatalf("%s: HTTP %d (%s), want %d", what, code, body, wantCode)
	}
	var e ErrorResponse
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != wantCode || e.Error.Message == "" || e.Error.Status == "" {
		t.Fatalf("%s: body %s is not an error envelope with code %d", what, body, wantCode)
	}
}

func TestRoundTripAndStatus(t *testing.T) {
	f := newFixture(t)
	base := "/v1/blobs/" + f.id.String()
	code, body := f.do("GET", base+"/metadata/status", "", nil)
	if code != 200 || !strings.Contains(string(body), `"nonexistent"`) {
		t.Fatalf("status before PUT: %d %s", code, body)
	}
	f.putMeta()
	if code, _ := f.do("PUT", base+"/metadata", bcs, f.meta.MarshalBCS()); code != 200 {
		t.Fatalf("second PUT metadata: %d, want 200", code)
	}
	code, body = f.do("GET", base+"/metadata", "", nil)
	if code != 200 || !bytes.Equal(body, f.meta.MarshalBCSWithID(f.id)) {
		t.Fatalf("GET metadata: %d, %d bytes", code, len(body))
	}
	for ti, ts := range []string{"primary", "secondary"} {
		sl := f.slvs[[2]int{f.owned, ti}]
		if code, body := f.do("PUT", f.sliverURL(f.owned, ts), bcs, sl); code != 201 {
			t.Fatalf("PUT %s: %d %s", ts, code, body)
		}
		code, body := f.do("GET", f.sliverURL(f.owned, ts), "", nil)
		if code != 200 || !bytes.Equal(body, sl) {
			t.Fatalf("GET %s: %d", ts, code)
		}
		code, body = f.do("GET", f.sliverURL(f.owned, ts)+"/status", "", nil)
		if code != 200 || !strings.Contains(string(body), `"stored"`) {
			t.Fatalf("%s status: %d %s", ts, code, body)
		}
	}
	code, body = f.do("GET", base+"/status", "", nil)
	if code != 200 || !strings.Contains(string(body), `"permanent"`) {
		t.Fatalf("blob status: %d %s", code, body)
	}
	code, body = f.do("GET", "/v1/health", "", nil)
	var h SuccessResponse[Health]
	if code != 200 || json.Unmarshal(body, &h) != nil || h.Success.Data.Shards != "0-4" || h.Success.Data.NShards != 10 {
		t.Fatalf("health: %d %s", code, body)
	}
	code, body = f.do("GET", "/v1/blobs", "", nil)
	if code != 200 || !strings.Contains(string(body), f.id.String()) {
		t.Fatalf("list: %d %s", code, body)
	}
	if code, body := f.do("DELETE", base, "", nil); code != 200 {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	code, body = f.do("GET", f.sliverURL(f.owned, "primary"), "", nil)
	wantError(t, "GET after DELETE", code, body, 404)
	code, body = f.do("DELETE", base, "", nil)
	wantError(t, "second DELETE", code, body, 404)
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t)
	f.putMeta()
	base := "/v1/blobs/" + f.id.String()
	prim := f.slvs[[2]int{f.owned, 0}]
	bad := bytes.Clone(prim)
	bad[10] ^= 1
	over := append(bytes.Clone(prim), make([]byte, 1<<20)...)
	cases := []struct {
		name, method, path, ctype string
		body                      []byte
		code                      int
	}{
		{"malformed ID", "GET", "/v1/blobs/xyz/metadata", "", nil, 400},
		{"malformed ID on PUT", "PUT", "/v1/blobs/!!!/slivers/0/primary", bcs, prim, 400},
		{"pair out of range", "GET", base + "/slivers/10/primary", "", nil, 400},
		{"negative pair", "PUT", base + "/slivers/-1/primary", bcs, prim, 400},
		{"pair not a number", "GET", base + "/slivers/x/primary", "", nil, 400},
		{"bad sliver type", "GET", base + "/slivers/0/tertiary", "", nil, 400},
		{"wrong shard", "PUT", f.sliverURL(f.other, "primary"), bcs, f.slvs[[2]int{f.other, 0}], 400},
		{"bad sliver", "PUT", f.sliverURL(f.owned, "primary"), bcs, bad, 400},
		{"sliver of another pair", "PUT", f.sliverURL(f.owned, "primary"), bcs, f.slvs[[2]int{f.other, 0}], 400},
		{"secondary of another pair", "PUT", f.sliverURL(f.owned, "secondary"), bcs, f.slvs[[2]int{f.other, 1}], 400},
		{"over-large body", "PUT", f.sliverURL(f.owned, "primary"), bcs, over, 413},
		{"missing content type", "PUT", f.sliverURL(f.owned, "primary"), "", prim, 400},
		{"wrong content type", "PUT", base + "/metadata", "application/json", f.meta.MarshalBCS(), 400},
		{"metadata of another blob", "PUT", "/v1/blobs/" + blobid.ID{1}.String() + "/metadata", bcs, f.meta.MarshalBCS(), 400},
		{"garbage metadata", "PUT", base + "/metadata", bcs, []byte{1, 2, 3}, 400},
		{"over-large metadata", "PUT", base + "/metadata", bcs, make([]byte, 1<<20), 413},
		{"unknown path", "GET", "/v2/nothing", "", nil, 404},
	}
	for _, c := range cases {
		code, body := f.do(c.method, c.path, c.ctype, c.body)
		wantError(t, c.name, code, body, c.code)
	}
	// Nothing was written for the rejected slivers.
	ents, _ := os.ReadDir(filepath.Join(f.node.dir, "shards", "2"))
	if len(ents) != 0 {
		t.Fatalf("rejected PUTs left %d files", len(ents))
	}
}

// TestChunkedOverLargeBody sends an over-large body without a
// Content-Length: it must be cut off by the limit, not buffered.
func TestChunkedOverLargeBody(t *testing.T) {
	f := newFixture(t)
	f.putMeta()
	pr, pw := io.Pipe()
	go func() {
		chunk := make([]byte, 64<<10)
		for range 1024 { // 64 MiB if the server kept reading
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("PUT", f.srv.URL+f.sliverURL(f.owned, "primary"), pr)
	req.Header.Set("Content-Type", bcs)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	pr.CloseWithError(io.ErrClosedPipe)
	if resp.StatusCode != 413 {
		t.Fatalf("chunked over-large body: HTTP %d, want 413", resp.StatusCode)
	}
}

func TestSliverNeedsMetadata(t *testing.T) {
	f := newFixture(t)
	code, body := f.do("PUT", f.sliverURL(f.owned, "primary"), bcs, f.slvs[[2]int{f.owned, 0}])
	wantError(t, "sliver before metadata", code, body, 400)
}

func TestCorruptMetadataIsReplaced(t *testing.T) {
	f := newFixture(t)
	f.putMeta()
	p := f.node.metaPath(f.id)
	b, _ := os.ReadFile(p)
	b[20] ^= 0xff
	os.WriteFile(p, b, 0o644)
	code, body := f.do("PUT", f.sliverURL(f.owned, "primary"), bcs, f.slvs[[2]int{f.owned, 0}])
	wantError(t, "sliver against corrupt metadata", code, body, 400)
	f.putMeta() // 201: the corrupt copy is replaced
	if code, body := f.do("PUT", f.sliverURL(f.owned, "primary"), bcs, f.slvs[[2]int{f.owned, 0}]); code != 201 {
		t.Fatalf("PUT after repair: %d %s", code, body)
	}
}

func TestShardList(t *testing.T) {
	got, err := ParseShardList("0-3,7, 5,2", 10)
	if err != nil || FormatShardList(got) != "0-3,5,7" {
		t.Fatalf("ParseShardList = %v, %v", got, err)
	}
	for _, bad := range []string{"", "1-", "a", "3-1", "10", "-1", "0,,1"} {
		if _, err := ParseShardList(bad, 10); err == nil {
			t.Errorf("ParseShardList(%q) succeeded", bad)
		}
	}
}

func TestOpenRemovesTemps(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "shards", "3"), 0o755)
	tmp := filepath.Join(dir, "shards", "3", atomicfile.TempPrefix+"123")
	os.WriteFile(tmp, []byte("half"), 0o644)
	if _, err := Open(dir, Options{NShards: 10, Shards: []int{3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temporary file survived Open: %v", err)
	}
}

// TestSliverLeaves: a stored sliver's repair leaves are served (GET
// .../leaves, a walrusfs extension), prove the sliver, and go with it on
// DELETE; a sliver without them answers 404.
func TestSliverLeaves(t *testing.T) {
	f := newFixture(t)
	f.putMeta()
	enc, _ := rs2.NewEncoder(10)
	for ti, ts := range []string{"primary", "secondary"} {
		code, body := f.do("GET", f.sliverURL(f.owned, ts)+"/leaves", "", nil)
		wantError(t, "leaves before PUT", code, body, 404)
		sl := f.slvs[[2]int{f.owned, ti}]
		if code, body := f.do("PUT", f.sliverURL(f.owned, ts), bcs, sl); code != 201 {
			t.Fatalf("PUT %s: %d %s", ts, code, body)
		}
		code, hint := f.do("GET", f.sliverURL(f.owned, ts)+"/leaves", "", nil)
		if code != 200 || len(hint) == 0 || len(hint)%32 != 0 {
			t.Fatalf("GET %s leaves: %d, %d bytes", ts, code, len(hint))
		}
		s, err := rs2.UnmarshalSliver(rs2.SliverType(ti), sl)
		if err != nil {
			t.Fatal(err)
		}
		want, err := enc.RepairLeaves(f.meta, s)
		if err != nil || !bytes.Equal(hint, want) {
			t.Fatalf("%s leaves differ from RepairLeaves (%v)", ts, err)
		}
		// A lost leaves file is written again by a repeated PUT.
		shard := rs2.PairShard(f.id, f.owned, 10)
		path := f.node.sliverPath(f.id, shard, rs2.SliverType(ti)) + leavesSuffix
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if code, body := f.do("PUT", f.sliverURL(f.owned, ts), bcs, sl); code != 200 {
			t.Fatalf("second PUT %s: %d %s", ts, code, body)
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, want) {
			t.Fatalf("%s leaves not rewritten: %v", ts, err)
		}
	}
	if code, body := f.do("DELETE", "/v1/blobs/"+f.id.String(), "", nil); code != 200 {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	var left []string
	_ = filepath.WalkDir(f.node.dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Fatalf("files left after DELETE: %v", left)
	}
}
