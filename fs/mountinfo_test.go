package fs

import (
	"context"
	"errors"
	"testing"
)

// TestRemoveDeadMountLeavesOthers: a directory that is not a dead mount
// is left alone, and MountSource says it is not a walrusfs mount. (A
// real dead mount is removed in tests/: TestKillWithQueuedUploads.)
func TestRemoveDeadMountLeavesOthers(t *testing.T) {
	dir := t.TempDir()
	src, err := RemoveDeadMount(context.Background(), dir)
	if err != nil || src != "" {
		t.Fatalf("RemoveDeadMount of a plain directory = %q, %v", src, err)
	}
	if _, err := MountSource(dir); !errors.Is(err, ErrNotWalrusMount) {
		t.Fatalf("MountSource of a plain directory: %v, want ErrNotWalrusMount", err)
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`/a\040b`: "/a b", `/plain`: "/plain", `/tab\011x`: "/tab\tx", `/bad\9`: `/bad\9`} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}
