package daemon

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
