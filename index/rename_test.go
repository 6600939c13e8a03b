package index

import (
	"strings"
	"testing"
)

// renameTree builds:
//
//	/a/ (sub/, af)   /b/ (empty)   /full/ (x)   /f   /g   /l -> symlink
func renameTree(t *testing.T) (*Index, map[string]uint64) {
	x := TestIndex(t)
	ino := map[string]uint64{"/": RootIno}
	for _, p := range []struct {
		path string
		typ  Type
	}{
		{"/a", TypeDir}, {"/a/sub", TypeDir}, {"/a/af", TypeFile}, {"/b", TypeDir},
		{"/full", TypeDir}, {"/full/x", TypeFile}, {"/f", TypeFile}, {"/g", TypeFile}, {"/l", TypeSymlink},
	} {
		dir, name := split(p.path)
		ino[p.path] = mk(t, x, ino[dir], name, p.typ).Ino
	}
	return x, ino
}

func split(p string) (dir, name string) {
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/", p[1:]
	}
	return p[:i], p[i+1:]
}

// resolve walks path from the root; 0 if it does not exist.
func resolve(t *testing.T, x *Index, path string) uint64 {
	t.Helper()
	cur := RootIno
	for _, name := range strings.Split(strings.Trim(path, "/"), "/") {
		if name == "" {
			continue
		}
		a, err := x.Lookup(t.Context(), cur, name)
		if isErr(err, ErrNotFound) {
			return 0
		}
		if err != nil {
			t.Fatalf("resolve %s: %v", path, err)
		}
		cur = a.Ino
	}
	return cur
}

func TestRenameMatrix(t *testing.T) {
	type check func(t *testing.T, x *Index, ino map[string]uint64, r Removed)
	// at asserts that path names inode ino[orig] (orig "" = path absent).
	at := func(path, orig string) check {
		return func(t *testing.T, x *Index, ino map[string]uint64, _ Removed) {
			t.Helper()
			if got, want := resolve(t, x, path), ino[orig]; got != want {
				t.Errorf("%s is inode %d, want %d (%s)", path, got, want, orig)
			}
		}
	}
	removed := func(orig string, orphaned bool) check {
		return func(t *testing.T, _ *Index, ino map[string]uint64, r Removed) {
			if r.Ino != ino[orig] || r.Orphaned != orphaned {
				t.Errorf("Removed = %+v, want ino %d (%s) orphaned %v", r, ino[orig], orig, orphaned)
			}
		}
	}
	nlink := func(path string, want uint32) check {
		return func(t *testing.T, x *Index, ino map[string]uint64, _ Removed) {
			if a := attr(t, x, ino[path]); a.Nlink != want {
				t.Errorf("nlink(%s) = %d, want %d", path, a.Nlink, want)
			}
		}
	}
	parent := func(path, dir string) check {
		return func(t *testing.T, x *Index, ino map[string]uint64, _ Removed) {
			if a := attr(t, x, ino[path]); a.Parent != ino[dir] {
				t.Errorf("parent(%s) = %d, want %s", path, a.Parent, dir)
			}
		}
	}
	tests := []struct {
		name     string
		src, dst string
		flags    RenameFlags
		setup    func(t *testing.T, x *Index, ino map[string]uint64)
		want     error
		checks   []check
	}{
		{name: "file same dir", src: "/f", dst: "/f2", checks: []check{at("/f2", "/f"), at("/f", ""), removed("", false)}},
		{name: "file to other dir", src: "/f", dst: "/b/f", checks: []check{at("/b/f", "/f"), at("/f", "")}},
		{name: "file over file", src: "/f", dst: "/g", checks: []check{at("/g", "/f"), at("/f", ""), removed("/g", true), nlink("/g", 0)}},
		{name: "file over hard-linked file", src: "/f", dst: "/g",
			setup: func(t *testing.T, x *Index, ino map[string]uint64) {
				if _, err := x.Link(t.Context(), ino["/g"], ino["/b"], "g2"); err != nil {
					t.Fatal(err)
				}
			},
			checks: []check{at("/g", "/f"), at("/b/g2", "/g"), removed("/g", false), nlink("/g", 1)}},
		{name: "symlink over file", src: "/l", dst: "/a/af", checks: []check{at("/a/af", "/l"), removed("/a/af", true)}},
		{name: "file over symlink", src: "/f", dst: "/l", checks: []check{at("/l", "/f"), removed("/l", false)}},
		{name: "file over dir", src: "/f", dst: "/b", want: ErrIsDir},
		{name: "dir over file", src: "/b", dst: "/f", want: ErrNotDir},
		{name: "dir over empty dir", src: "/a", dst: "/b",
			checks: []check{at("/b", "/a"), at("/a", ""), at("/b/sub", "/a/sub"), removed("/b", false), nlink("/", 4)}},
		{name: "dir over non-empty dir", src: "/b", dst: "/full", want: ErrNotEmpty},
		{name: "dir over its own parent", src: "/a/sub", dst: "/a", want: ErrNotEmpty},
		{name: "dir into itself", src: "/a", dst: "/a/x", want: ErrInvalid},
		{name: "dir into own subtree", src: "/a", dst: "/a/sub/x", want: ErrInvalid},
		{name: "dir to other dir", src: "/a/sub", dst: "/b/sub",
			checks: []check{at("/b/sub", "/a/sub"), nlink("/a", 2), nlink("/b", 3), parent("/a/sub", "/b")}},
		{name: "dir rename same parent", src: "/a", dst: "/z", checks: []check{at("/z/af", "/a/af"), nlink("/", 5)}},
		{name: "noreplace existing", src: "/f", dst: "/g", flags: RenameNoReplace, want: ErrExist},
		{name: "noreplace new", src: "/f", dst: "/h", flags: RenameNoReplace, checks: []check{at("/h", "/f")}},
		{name: "exchange file and dir", src: "/f", dst: "/b", flags: RenameExchange,
			checks: []check{at("/f", "/b"), at("/b", "/f"), nlink("/", 5), removed("", false)}},
		{name: "exchange across dirs", src: "/a/sub", dst: "/f", flags: RenameExchange,
			checks: []check{at("/f", "/a/sub"), at("/a/sub", "/f"), nlink("/a", 2), nlink("/", 6), parent("/a/sub", "/")}},
		{name: "exchange two dirs across", src: "/a/sub", dst: "/b", flags: RenameExchange,
			checks: []check{at("/b", "/a/sub"), at("/a/sub", "/b"), nlink("/a", 3), nlink("/", 5), parent("/b", "/a")}},
		{name: "exchange missing target", src: "/f", dst: "/nope", flags: RenameExchange, want: ErrNotFound},
		{name: "exchange with own child", src: "/a", dst: "/a/sub", flags: RenameExchange, want: ErrInvalid},
		{name: "exchange with own parent", src: "/a/sub", dst: "/a", flags: RenameExchange, want: ErrInvalid},
		{name: "both flags", src: "/f", dst: "/g", flags: RenameExchange | RenameNoReplace, want: ErrInvalid},
		{name: "unknown flag", src: "/f", dst: "/g", flags: 4, want: ErrInvalid},
		{name: "source missing", src: "/nope", dst: "/x", want: ErrNotFound},
		{name: "target parent is file", src: "/f", dst: "/g/x", want: ErrNotDir},
		{name: "target parent missing", src: "/f", dst: "/nope/x", want: ErrNotFound},
		{name: "bad target name", src: "/f", dst: "/" + strings.Repeat("n", 256), want: ErrNameTooLong},
		{name: "onto itself", src: "/f", dst: "/f", checks: []check{at("/f", "/f"), removed("", false)}},
		{name: "onto another link of itself", src: "/f", dst: "/b/f2",
			setup: func(t *testing.T, x *Index, ino map[string]uint64) {
				if _, err := x.Link(t.Context(), ino["/f"], ino["/b"], "f2"); err != nil {
					t.Fatal(err)
				}
			},
			checks: []check{at("/f", "/f"), nlink("/f", 2), removed("", false)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, ino := renameTree(t)
			if tc.setup != nil {
				tc.setup(t, x, ino)
			}
			sdir, sname := split(tc.src)
			ddir, dname := split(tc.dst)
			dparent := resolve(t, x, ddir)
			if dparent == 0 {
				dparent = 9999
			}
			before, _ := x.StatFS(t.Context())
			r, err := x.Rename(t.Context(), ino[sdir], sname, dparent, dname, tc.flags)
			wantErr(t, "Rename", err, tc.want)
			if tc.want != nil {
				if after, _ := x.StatFS(t.Context()); after != before || resolve(t, x, tc.src) != ino[tc.src] {
					t.Fatalf("failed rename changed something")
				}
			}
			for _, c := range tc.checks {
				c(t, x, ino, r)
			}
			if r.Orphaned {
				if _, err := x.DropOrphan(t.Context(), r.Ino); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
