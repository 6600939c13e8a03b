package onchain

import (
	"errors"
	"fmt"
	"testing"

	"github.com/walrusfs/walrusfs/sui"
)

func TestTakeStorage(t *testing.T) {
	st := func(id string, size uint64, end uint32) sui.Storage {
		return sui.Storage{Ref: sui.ObjectRef{ID: id}, Size: size, EndEpoch: end}
	}
	pool := []sui.Storage{st("big", 100<<20, 9), st("exact-late", 10<<20, 12), st("exact", 10<<20, 9), st("small", 5<<20, 9)}
	for _, c := range []struct {
		encoded uint64
		want    string
	}{
		{10 << 20, "exact"},      // the smallest fitting, earliest end first
		{10 << 20, "exact-late"}, // then the other one of that size
		{10 << 20, ""},           // 100 MiB is too large for 10 MiB
		{4 << 20, "small"},       // 5 MiB <= 4 MiB + 1 MiB + 1 MiB
		{90 << 20, "big"},
		{1 << 20, ""},
	} {
		got := takeStorage(&pool, c.encoded)
		name := ""
		if got != nil {
			name = got.Ref.ID
		}
		if name != c.want {
			t.Fatalf("takeStorage(%d MiB) = %q, want %q", c.encoded>>20, name, c.want)
		}
	}
	if len(pool) != 0 {
		t.Fatalf("left: %+v", pool)
	}
}

func TestAbortError(t *testing.T) {
	wal := &AbortError{What: "register", Module: "balance", Code: 2, HasCode: true, Msg: "MoveAbort"}
	if !errors.Is(fmt.Errorf("x: %w", wal), ErrInsufficientWAL) {
		t.Error("an abort in balance::split is not ErrInsufficientWAL")
	}
	other := &AbortError{What: "certify", Module: "messages", Code: 1, HasCode: true}
	if errors.Is(other, ErrInsufficientWAL) || errors.Is(other, ErrInsufficientSUI) {
		t.Error("a stale epoch counted as missing funds")
	}
}
