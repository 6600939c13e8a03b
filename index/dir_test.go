package index

import (
	"fmt"
	"strings"
	"testing"
)

func TestCreateErrors(t *testing.T) {
	x := TestIndex(t)
	file := mk(t, x, RootIno, "file", TypeFile)
	mk(t, x, RootIno, "taken", TypeDir)
	long := strings.Repeat("n", 255)
	tests := []struct {
		name   string
		parent uint64
		entry  string
		node   NewNode
		want   error
	}{
		{"ok file", RootIno, "f1", NewNode{Type: TypeFile}, nil},
		{"ok 255-byte name", RootIno, long, NewNode{Type: TypeFile}, nil},
		{"256-byte name", RootIno, long + "x", NewNode{Type: TypeFile}, ErrNameTooLong},
		{"empty name", RootIno, "", NewNode{Type: TypeFile}, ErrInvalid},
		{"dot", RootIno, ".", NewNode{Type: TypeDir}, ErrInvalid},
		{"dotdot", RootIno, "..", NewNode{Type: TypeDir}, ErrInvalid},
		{"slash", RootIno, "a/b", NewNode{Type: TypeFile}, ErrInvalid},
		{"nul", RootIno, "a\x00b", NewNode{Type: TypeFile}, ErrInvalid},
		{"exists", RootIno, "taken", NewNode{Type: TypeFile}, ErrExist},
		{"exists as file", RootIno, "file", NewNode{Type: TypeDir}, ErrExist},
		{"parent missing", 999, "x", NewNode{Type: TypeFile}, ErrNotFound},
		{"parent is file", file.Ino, "x", NewNode{Type: TypeFile}, ErrNotDir},
		{"bad type", RootIno, "x", NewNode{Type: 9}, ErrInvalid},
		{"symlink no target", RootIno, "l", NewNode{Type: TypeSymlink}, ErrInvalid},
		{"symlink long target", RootIno, "l", NewNode{Type: TypeSymlink, Target: strings.Repeat("t", 4096)}, ErrNameTooLong},
		{"symlink nul target", RootIno, "l", NewNode{Type: TypeSymlink, Target: "a\x00"}, ErrInvalid},
		{"target on file", RootIno, "l", NewNode{Type: TypeFile, Target: "x"}, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := x.Create(t.Context(), tc.parent, tc.entry, tc.node)
			wantErr(t, "Create", err, tc.want)
		})
	}
}

func TestCreateAttrs(t *testing.T) {
	clk := newFakeClock()
	x := TestIndexWith(t, &Options{Clock: clk.Now, ChunkSize: 1 << 20})
	ctx := t.Context()
	f, err := x.Create(ctx, RootIno, "f", NewNode{Type: TypeFile, Mode: 0o100644 | 0o4000, Uid: 7, Gid: 8})
	if err != nil {
		t.Fatal(err)
	}
	if f.Ino != 2 || f.Mode != 0o4644 || f.Uid != 7 || f.Gid != 8 || f.Nlink != 1 || f.Size != 0 ||
		f.ChunkSize != 1<<20 || f.Generation != 1 || !f.Mtime.Equal(clk.Now()) || f.Upload != UploadNone {
		t.Fatalf("file attrs: %+v", f)
	}
	clk.Advance(1)
	d, err := x.Mkdir(ctx, RootIno, "d", 0o755, 7, 8)
	if err != nil {
		t.Fatal(err)
	}
	if d.Ino != 3 || d.Nlink != 2 || d.Parent != RootIno || d.Type != TypeDir {
		t.Fatalf("dir attrs: %+v", d)
	}
	l, err := x.Symlink(ctx, d.Ino, "l", "../f", 7, 8)
	if err != nil {
		t.Fatal(err)
	}
	if target, err := x.ReadLink(ctx, l.Ino); err != nil || target != "../f" || l.Size != 4 {
		t.Fatalf("ReadLink = %q, %v; size %d", target, err, l.Size)
	}
	if _, err := x.ReadLink(ctx, f.Ino); !isErr(err, ErrInvalid) {
		t.Fatalf("ReadLink(file) = %v", err)
	}
	root := attr(t, x, RootIno)
	if root.Nlink != 3 || root.Size != 2 || !root.Mtime.Equal(clk.Now()) || root.Mode != 0o755 {
		t.Fatalf("root after mkdir: %+v", root)
	}
	if got, err := x.Lookup(ctx, d.Ino, "l"); err != nil || got.Ino != l.Ino || got.Target != "../f" {
		t.Fatalf("Lookup = %+v, %v", got, err)
	}
	if n, err := x.DirCount(ctx, RootIno); err != nil || n != 2 {
		t.Fatalf("DirCount = %d, %v", n, err)
	}
	if s, err := x.StatFS(ctx); err != nil || s.Inodes != 4 || s.Bytes != 0 {
		t.Fatalf("StatFS = %+v, %v", s, err)
	}
}

func TestLookupErrors(t *testing.T) {
	x := TestIndex(t)
	f := mk(t, x, RootIno, "f", TypeFile)
	for _, tc := range []struct {
		parent uint64
		name   string
		want   error
	}{
		{RootIno, "f", nil},
		{RootIno, "missing", ErrNotFound},
		{42, "f", ErrNotFound},
		{f.Ino, "f", ErrNotDir},
		{RootIno, strings.Repeat("x", 256), ErrNameTooLong},
		{RootIno, "..", ErrInvalid},
	} {
		_, err := x.Lookup(t.Context(), tc.parent, tc.name)
		wantErr(t, fmt.Sprintf("Lookup(%d, %.10q)", tc.parent, tc.name), err, tc.want)
	}
}

func TestLinkUnlinkRmdir(t *testing.T) {
	x := TestIndex(t)
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	d := mk(t, x, RootIno, "d", TypeDir)
	l := mk(t, x, RootIno, "l", TypeSymlink)
	mk(t, x, d.Ino, "inner", TypeFile)

	for _, tc := range []struct {
		name   string
		ino    uint64
		parent uint64
		entry  string
		want   error
	}{
		{"dir", d.Ino, RootIno, "d2", ErrIsDir},
		{"missing inode", 99, RootIno, "x", ErrNotFound},
		{"name taken", f.Ino, RootIno, "d", ErrExist},
		{"parent is file", f.Ino, f.Ino, "x", ErrNotDir},
		{"bad name", f.Ino, RootIno, "a/b", ErrInvalid},
		{"ok", f.Ino, d.Ino, "f2", nil},
		{"symlink ok", l.Ino, d.Ino, "l2", nil},
	} {
		_, err := x.Link(ctx, tc.ino, tc.parent, tc.entry)
		wantErr(t, "Link "+tc.name, err, tc.want)
	}
	if a := attr(t, x, f.Ino); a.Nlink != 2 {
		t.Fatalf("nlink after link = %d", a.Nlink)
	}

	r, err := x.Unlink(ctx, RootIno, "f")
	if err != nil || r.Orphaned || r.Ino != f.Ino {
		t.Fatalf("Unlink first link = %+v, %v", r, err)
	}
	if r, err = x.Unlink(ctx, d.Ino, "f2"); err != nil || !r.Orphaned {
		t.Fatalf("Unlink last link = %+v, %v", r, err)
	}
	if a := attr(t, x, f.Ino); a.Nlink != 0 {
		t.Fatalf("orphan nlink = %d", a.Nlink)
	}
	if _, err := x.Link(ctx, f.Ino, RootIno, "revive"); !isErr(err, ErrNotFound) {
		t.Fatalf("Link(orphan) = %v", err)
	}
	if o, err := x.Orphans(ctx); err != nil || len(o) != 1 || o[0] != f.Ino {
		t.Fatalf("Orphans = %v, %v", o, err)
	}
	if _, err := x.DropOrphan(ctx, f.Ino); err != nil {
		t.Fatal(err)
	}
	if _, err := x.DropOrphan(ctx, f.Ino); !isErr(err, ErrNotFound) {
		t.Fatalf("second DropOrphan = %v", err)
	}
	if _, err := x.DropOrphan(ctx, l.Ino); !isErr(err, ErrInvalid) {
		t.Fatalf("DropOrphan(linked) = %v", err)
	}

	// Symlinks are deleted with their last link, never orphaned.
	for _, name := range []string{"l"} {
		if r, err := x.Unlink(ctx, RootIno, name); err != nil || r.Orphaned {
			t.Fatalf("Unlink symlink = %+v, %v", r, err)
		}
	}
	if r, err := x.Unlink(ctx, d.Ino, "l2"); err != nil || r.Orphaned {
		t.Fatalf("Unlink last symlink link = %+v, %v", r, err)
	}
	if _, err := x.GetAttr(ctx, l.Ino); !isErr(err, ErrNotFound) {
		t.Fatalf("symlink survives: %v", err)
	}

	for _, tc := range []struct {
		op, name string
		parent   uint64
		want     error
	}{
		{"unlink", "missing", RootIno, ErrNotFound},
		{"unlink", "d", RootIno, ErrIsDir},
		{"unlink", "x", 77, ErrNotFound},
		{"rmdir", "d", RootIno, ErrNotEmpty},
		{"rmdir", "inner", d.Ino, ErrNotDir},
		{"rmdir", "missing", RootIno, ErrNotFound},
		{"rmdir", ".", RootIno, ErrInvalid},
	} {
		var err error
		if tc.op == "unlink" {
			_, err = x.Unlink(ctx, tc.parent, tc.name)
		} else {
			err = x.Rmdir(ctx, tc.parent, tc.name)
		}
		wantErr(t, tc.op+" "+tc.name, err, tc.want)
	}
	if _, err := x.Unlink(ctx, d.Ino, "inner"); err != nil {
		t.Fatal(err)
	}
	if err := x.Rmdir(ctx, RootIno, "d"); err != nil {
		t.Fatal(err)
	}
	if root := attr(t, x, RootIno); root.Nlink != 2 || root.Size != 0 {
		t.Fatalf("root after rmdir: %+v", root)
	}
	if _, err := x.GetAttr(ctx, d.Ino); !isErr(err, ErrNotFound) {
		t.Fatalf("removed dir survives: %v", err)
	}
}

func TestReadDirOrderAndCursor(t *testing.T) {
	x := TestIndex(t)
	for _, n := range []string{"b", "a", "c", "ab", "B"} {
		mk(t, x, RootIno, n, TypeFile)
	}
	if got := names(t, x, RootIno); got != "B,a,ab,b,c" {
		t.Fatalf("names = %s", got)
	}
	page, err := x.ReadDir(t.Context(), RootIno, "aa", 0) // cursor need not exist
	if err != nil || len(page) != 3 || page[0].Name != "ab" || page[0].Type != TypeFile {
		t.Fatalf("ReadDir after aa = %+v, %v", page, err)
	}
	f := mk(t, x, RootIno, "f", TypeFile)
	if _, err := x.ReadDir(t.Context(), f.Ino, "", 10); !isErr(err, ErrNotDir) {
		t.Fatalf("ReadDir(file) = %v", err)
	}
	if _, err := x.ReadDir(t.Context(), 1234, "", 10); !isErr(err, ErrNotFound) {
		t.Fatalf("ReadDir(missing) = %v", err)
	}
}

// TestReadDirLarge pages through 100k entries and checks that one page
// allocates the same whatever the directory size and position.
func TestReadDirLarge(t *testing.T) {
	x := TestIndex(t)
	ctx := t.Context()
	small := mk(t, x, RootIno, "small", TypeDir)
	for i := range 200 {
		mk(t, x, small.Ino, fmt.Sprintf("e%06d", i), TypeFile)
	}
	big := mk(t, x, RootIno, "big", TypeDir)
	// Built with Create's own body, 10k entries per transaction, so the
	// test spends its time paging rather than committing.
	const n = 100_000
	for start := 0; start < n; start += 10_000 {
		err := x.update(ctx, func(t *txn) error {
			for i := start; i < start+10_000; i++ {
				if _, err := x.create1(t, big.Ino, fmt.Sprintf("e%06d", i), NewNode{Type: TypeFile}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if c, err := x.DirCount(ctx, big.Ino); err != nil || c != n {
		t.Fatalf("DirCount = %d, %v", c, err)
	}
	seen, after := 0, ""
	for {
		page, err := x.ReadDir(ctx, big.Ino, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if want := fmt.Sprintf("e%06d", seen); e.Name != want {
				t.Fatalf("entry %d = %q, want %q", seen, e.Name, want)
			}
			seen++
		}
		after = page[len(page)-1].Name
	}
	if seen != n {
		t.Fatalf("saw %d entries, want %d", seen, n)
	}
	allocs := func(dir uint64, after string) float64 {
		return testing.AllocsPerRun(20, func() {
			if page, err := x.ReadDir(ctx, dir, after, 100); err != nil || len(page) != 100 {
				t.Fatalf("ReadDir: %d entries, %v", len(page), err)
			}
		})
	}
	base := allocs(small.Ino, "")
	t.Logf("allocs per page of 100 in a 200-entry dir: %.0f", base)
	for _, after := range []string{"", "e050000", "e099000"} {
		if a := allocs(big.Ino, after); a > base+10 || a > 300 {
			t.Errorf("ReadDir page of 100 after %q in 100k dir: %.0f allocs (200-entry dir: %.0f)", after, a, base)
		}
	}
}

func TestPaths(t *testing.T) {
	x := TestIndex(t)
	ctx := t.Context()
	a := mk(t, x, RootIno, "a", TypeDir)
	b := mk(t, x, a.Ino, "b", TypeDir)
	f := mk(t, x, b.Ino, "f", TypeFile)
	g := mk(t, x, RootIno, "g", TypeFile)
	gone := mk(t, x, RootIno, "gone", TypeFile)
	if _, err := x.Unlink(ctx, RootIno, "gone"); err != nil {
		t.Fatal(err)
	}
	got, err := x.Paths(ctx, []uint64{f.Ino, g.Ino, b.Ino, gone.Ino, 999})
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]string{f.Ino: "a/b/f", g.Ino: "g", b.Ino: "a/b"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Paths = %v, want %v", got, want)
	}
}
