package control

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/tree"
)

// sharer is a Daemon that makes (fake) share strings.
type sharer struct{ unmountOnly }

func (sharer) Share(_ context.Context, p string) (ShareResult, error) {
	switch p {
	case "missing":
		return ShareResult{}, fmt.Errorf("share %q: %w", p, tree.ErrNotFound)
	case "fifo":
		return ShareResult{}, fmt.Errorf("share %q: %w", p, index.ErrInvalid)
	case "broken":
		return ShareResult{}, fmt.Errorf("share %q: the store is down", p)
	}
	return ShareResult{Share: "wfs1-x", Path: "/" + p, Commit: 3, File: p == "f"}, nil
}

func serveTest(t *testing.T, d Daemon) *Client {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, SocketName))
	if err != nil {
		t.Fatal(err)
	}
	srv := Serve(t.Context(), ln, d)
	t.Cleanup(func() { srv.Close() })
	return NewClient(dir)
}

// TestShare: the path travels to the daemon and the answer back; errors
// keep their message; a daemon without shares says so.
func TestShare(t *testing.T) {
	c := serveTest(t, sharer{unmountOnly(func() {})})
	for _, tc := range []struct {
		path string
		want ShareResult
		err  string
	}{
		{path: "sub dir/ü", want: ShareResult{Share: "wfs1-x", Path: "/sub dir/ü", Commit: 3}},
		{path: "f", want: ShareResult{Share: "wfs1-x", Path: "/f", Commit: 3, File: true}},
		{path: "missing", err: "no such entry"},
		{path: "fifo", err: "invalid"},
		{path: "broken", err: "the store is down"},
	} {
		res, err := c.Share(t.Context(), tc.path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Share(%q) = %+v, %v; want an error with %q", tc.path, res, err, tc.err)
			}
			continue
		}
		if err != nil || res != tc.want {
			t.Errorf("Share(%q) = %+v, %v; want %+v", tc.path, res, err, tc.want)
		}
	}
	c = serveTest(t, unmountOnly(func() {}))
	if _, err := c.Share(t.Context(), "x"); err == nil || !strings.Contains(err.Error(), "no share strings") {
		t.Fatalf("a daemon without shares: %v", err)
	}
}
