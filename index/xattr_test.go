package index

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestXattr(t *testing.T) {
	clk := newFakeClock()
	x := TestIndexWith(t, &Options{Clock: clk.Now})
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	d := mk(t, x, RootIno, "d", TypeDir)
	big := make([]byte, MaxXattrValue)

	for _, tc := range []struct {
		name  string
		ino   uint64
		attr  string
		value []byte
		flags XattrFlags
		want  error
	}{
		{"set", f.Ino, "user.a", []byte("1"), 0, nil},
		{"empty value", f.Ino, "user.empty", nil, 0, nil},
		{"max value", d.Ino, "user.big", big, 0, nil},
		{"value too big", f.Ino, "user.x", append(big, 0), 0, ErrInvalid},
		{"name too long", f.Ino, "user." + strings.Repeat("n", 251), nil, 0, ErrInvalid},
		{"max name", f.Ino, "user." + strings.Repeat("n", 250), nil, 0, nil},
		{"empty name", f.Ino, "", nil, 0, ErrInvalid},
		{"nul in name", f.Ino, "user.\x00", nil, 0, ErrInvalid},
		{"create existing", f.Ino, "user.a", []byte("2"), XattrCreate, ErrExist},
		{"create new", f.Ino, "user.b", []byte("2"), XattrCreate, nil},
		{"replace missing", f.Ino, "user.c", []byte("3"), XattrReplace, ErrNotFound},
		{"replace existing", f.Ino, "user.a", []byte("one"), XattrReplace, nil},
		{"both flags", f.Ino, "user.a", nil, XattrCreate | XattrReplace, ErrInvalid},
		{"reserved", f.Ino, XattrState, []byte("stored"), 0, ErrInvalid},
		{"missing inode", 99, "user.a", nil, 0, ErrNotFound},
	} {
		clk.Advance(time.Second)
		err := x.SetXattr(ctx, tc.ino, tc.attr, tc.value, tc.flags)
		wantErr(t, "SetXattr "+tc.name, err, tc.want)
		if err == nil && !attr(t, x, tc.ino).Ctime.Equal(clk.Now()) {
			t.Errorf("SetXattr %s did not update ctime", tc.name)
		}
	}
	if v, err := x.GetXattr(ctx, f.Ino, "user.a"); err != nil || string(v) != "one" {
		t.Fatalf("GetXattr = %q, %v", v, err)
	}
	if v, err := x.GetXattr(ctx, f.Ino, "user.empty"); err != nil || v == nil || len(v) != 0 {
		t.Fatalf("GetXattr(empty) = %#v, %v", v, err)
	}
	if v, err := x.GetXattr(ctx, d.Ino, "user.big"); err != nil || len(v) != MaxXattrValue {
		t.Fatalf("GetXattr(big) = %d bytes, %v", len(v), err)
	}
	if _, err := x.GetXattr(ctx, f.Ino, "user.nope"); !isErr(err, ErrNotFound) {
		t.Fatalf("GetXattr(missing) = %v", err)
	}
	// An empty file has nothing pending: it is stored, never "none".
	if v, err := x.GetXattr(ctx, f.Ino, XattrState); err != nil || string(v) != "stored" {
		t.Fatalf("state of an empty file = %q, %v", v, err)
	}
	if _, err := x.GetXattr(ctx, d.Ino, XattrState); !isErr(err, ErrNotFound) {
		t.Fatalf("state on a directory = %v", err)
	}
	names, err := x.ListXattr(ctx, f.Ino)
	want := []string{"user.a", "user.b", "user.empty", "user." + strings.Repeat("n", 250), XattrBlobIDs, XattrEncryption, XattrState}
	if err != nil || !reflect.DeepEqual(names, want) {
		t.Fatalf("ListXattr = %q, %v", names, err)
	}
	if names, _ := x.ListXattr(ctx, d.Ino); !reflect.DeepEqual(names, []string{"user.big"}) {
		t.Fatalf("ListXattr(dir) = %q", names)
	}
	wantErr(t, "RemoveXattr", x.RemoveXattr(ctx, f.Ino, "user.a"), nil)
	wantErr(t, "RemoveXattr again", x.RemoveXattr(ctx, f.Ino, "user.a"), ErrNotFound)
	wantErr(t, "RemoveXattr reserved", x.RemoveXattr(ctx, f.Ino, XattrBlobIDs), ErrInvalid)
	wantErr(t, "RemoveXattr missing inode", x.RemoveXattr(ctx, 99, "user.a"), ErrNotFound)
	// Xattrs go with the inode.
	if _, err := x.Unlink(ctx, RootIno, "f"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.DropOrphan(ctx, f.Ino); err != nil {
		t.Fatal(err)
	}
	if err := x.Rmdir(ctx, RootIno, "d"); err != nil {
		t.Fatal(err)
	}
}

// A file with nothing pending, empty or only holes, shows "stored"; one
// whose staged bytes a truncate removed goes back to "stored" too.
func TestStateOfHoles(t *testing.T) {
	x, _ := contentIndex(t)
	ctx := t.Context()
	state := func(ino uint64) string {
		t.Helper()
		v, err := x.GetXattr(ctx, ino, XattrState)
		if err != nil {
			t.Fatal(err)
		}
		return string(v)
	}
	f := mk(t, x, RootIno, "holes", TypeFile)
	if _, err := x.SetAttr(ctx, f.Ino, AttrUpdate{Size: ptr[uint64](10 * cs)}); err != nil {
		t.Fatal(err)
	}
	if s := state(f.Ino); s != "stored" {
		t.Fatalf("state of a file of holes = %q, want stored", s)
	}
	stage(t, x, f.Ino, map[uint64]uint64{3: 30})
	if s := state(f.Ino); s != "staged" {
		t.Fatalf("state after staging = %q, want staged", s)
	}
	if _, err := x.Truncate(ctx, f.Ino, 0); err != nil {
		t.Fatal(err)
	}
	if s := state(f.Ino); s != "stored" {
		t.Fatalf("state after truncating the staged bytes away = %q, want stored", s)
	}
	if q, err := x.UploadQueue(ctx); err != nil || len(q) != 0 {
		t.Fatalf("queue = %v, %v: want empty", q, err)
	}
}
