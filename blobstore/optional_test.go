package blobstore

import (
	"context"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
)

type baseStore struct{ Store }

type forgetting struct{ Store }

func (forgetting) Forget(context.Context, blobid.ID) error { return nil }

type wrapping struct{ Store }

func (w wrapping) Unwrap() Store { return w.Store }

// TestAs: As finds an optional interface on the store or through any
// number of wrappers, and reports false when no store has it.
func TestAs(t *testing.T) {
	if _, ok := As[Forgetter](baseStore{}); ok {
		t.Error("a plain store is a Forgetter")
	}
	if _, ok := As[Forgetter](forgetting{}); !ok {
		t.Error("Forgetter not found on the store itself")
	}
	if _, ok := As[Forgetter](wrapping{wrapping{forgetting{}}}); !ok {
		t.Error("Forgetter not found through two wrappers")
	}
	if _, ok := As[EpochReporter](wrapping{forgetting{}}); ok {
		t.Error("EpochReporter found where there is none")
	}
	if _, ok := As[Forgetter](wrapping{}); ok {
		t.Error("a wrapper of nothing is a Forgetter")
	}
}
