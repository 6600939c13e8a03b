package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRun runs the benchmark on a small library and checks its figures
// against what the layout implies: which directories each commit
// rewrites, what the reads find.
func TestRun(t *testing.T) {
	r, err := run(context.Background(), config{Files: 2000, Work: t.TempDir(), Shards: 100, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Root, Photos, one year, 20 albums.
	if got := r.Commits[0].Nodes; got != 23 || r.Dirs != 22 {
		t.Fatalf("first commit wrote %d nodes for %d directories; want 23 and 22", got, r.Dirs)
	}
	if per := float64(r.Commits[0].Bytes) / float64(r.Files); per < 50 || per > 200 {
		t.Errorf("first commit: %.1f bytes per file; want 50-200 (the design estimate is ~90)", per)
	}
	// Album, year, Photos, root.
	for _, c := range r.Commits[1:] {
		if c.Nodes != 4 || c.Bytes == 0 || c.Bytes >= r.Commits[0].Bytes {
			t.Errorf("%s: %d nodes, %d bytes; want 4 nodes, fewer bytes than the first commit's %d", c.Name, c.Nodes, c.Bytes, r.Commits[0].Bytes)
		}
	}
	if added := r.Commits[3]; added.Bytes < r.Commits[1].Bytes+1000*50 {
		t.Errorf("1,000 files added: %d bytes; want at least %d", added.Bytes, r.Commits[1].Bytes+1000*50)
	}
	// The 1,000 added files are in the one year.
	for _, x := range []readFigures{r.ReadAll, r.Recover, r.Share} {
		if x.Files != 3000 || x.Fetches == 0 || x.Fetched == 0 {
			t.Errorf("%s: %d files from %d fetches (%d bytes); want 3000 files", x.Name, x.Files, x.Fetches, x.Fetched)
		}
	}
	if r.Restored.Files != 3000 || r.Restored.Dirs != 22 || r.Restored.Symlinks != 2 {
		t.Errorf("restored %+v", r.Restored)
	}
	if n := len(r.PathNodes); n != 4 || r.PathNodes[3].Entries != 100 || r.PathNodes[0].Path != "/" {
		t.Errorf("nodes on the path of a deep change: %+v; want root, Photos, year, an album of 100", r.PathNodes)
	}
	// The rewritten album's node is in the commit that rewrote it.
	if album, one := r.PathNodes[3].Bytes, r.Commits[1].Bytes; album == 0 || album >= one {
		t.Errorf("album node of %d bytes; want it inside the %d bytes of the commit that rewrote it", album, one)
	}
	var out bytes.Buffer
	r.print(&out)
	for _, want := range []string{"| first (whole tree) | 23 |", "| one file rewritten | 4 |", "design estimate ~90 B", "| share of Photos/2016 (walk) | 3021 | 3000 |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRejectsNoFiles(t *testing.T) {
	for _, n := range []int{0, -5} {
		if _, err := run(context.Background(), config{Files: n, Work: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "want at least 1") {
			t.Errorf("-files %d: %v; want an error asking for at least 1", n, err)
		}
	}
}
