package aggregator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/walrusfs/walrusfs/blobstore/mem"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
)

func TestServe(t *testing.T) {
	ctx := context.Background()
	st, err := mem.New(100)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 9<<20+123) // more than two streaming chunks
	for i := range data {
		data[i] = byte(i*7 + i>>12)
	}
	info, err := st.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(st, nil))
	defer srv.Close()
	get := func(method, path, rng string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, b
	}
	path := "/v1/blobs/" + info.ID.String()
	if code, h, b := get("GET", path, ""); code != 200 || !bytes.Equal(b, data) || h.Get("ETag") != info.ID.String() {
		t.Fatalf("GET: %d, %d bytes, etag %q", code, len(b), h.Get("ETag"))
	}
	if code, h, b := get("HEAD", path, ""); code != 200 || len(b) != 0 || h.Get("Content-Length") != fmt.Sprint(len(data)) {
		t.Fatalf("HEAD: %d %v", code, h)
	}
	lo, hi := 4<<20-5, 8<<20+9
	code, h, b := get("GET", path, fmt.Sprintf("bytes=%d-%d", lo, hi))
	if code != 206 || !bytes.Equal(b, data[lo:hi+1]) || h.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", lo, hi, len(data)) {
		t.Fatalf("range: %d %d bytes %v", code, len(b), h)
	}
	for _, rg := range []string{"bytes=5-", "bytes=-5", "bytes=9-3", fmt.Sprintf("bytes=0-%d", len(data)), "bytes=0-1,3-4", "items=0-1"} {
		if code, _, _ := get("GET", path, rg); code != 416 {
			t.Errorf("range %q: %d, want 416", rg, code)
		}
	}
	if code, _, _ := get("GET", "/v1/blobs/not-an-id", ""); code != 400 {
		t.Errorf("bad ID: %d", code)
	}
	other, _ := mem.New(100)
	missing, _ := other.Put(ctx, []byte("never stored here"))
	if code, _, b := get("GET", "/v1/blobs/"+missing.ID.String(), ""); code != 404 || !bytes.Contains(b, []byte("BLOB_NOT_FOUND")) {
		t.Errorf("missing: %d %s", code, b)
	}

	// The project's own verified Walrus reader accepts what it serves.
	ws, err := walrus.New(walrus.Config{DataDir: t.TempDir(), Aggregators: []string{srv.URL}, NShards: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	got, err := ws.Read(ctx, info.ID, 1000, 5000)
	if err != nil || !bytes.Equal(got, data[1000:6000]) {
		t.Fatalf("walrus reader: %v", err)
	}

	// A blob whose pieces no longer match its ID is unavailable, never
	// served wrong.
	st.Corrupt(info.ID)
	if code, _, b := get("GET", path, ""); code != 503 || !bytes.Contains(b, []byte("BLOB_UNAVAILABLE")) {
		t.Errorf("corrupt: %d %s", code, b)
	}
}
