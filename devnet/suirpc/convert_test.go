package suirpc

import (
	"testing"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/walrusfs/walrusfs/devnet/ledger"
)

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		r       ledger.Result
		kind    v2.ExecutionError_ExecutionErrorKind
		command int64 // -1: none
	}{
		{ledger.Result{Error: "InsufficientGas"}, v2.ExecutionError_INSUFFICIENT_GAS, -1},
		{ledger.Result{Error: "InsufficientCoinBalance in command 3"}, v2.ExecutionError_INSUFFICIENT_COIN_BALANCE, 3},
		{ledger.Result{Error: "UnusedValueWithoutDrop { result_idx: 1, secondary_idx: 0 } in command 12"}, v2.ExecutionError_UNUSED_VALUE_WITHOUT_DROP, 12},
		{ledger.Result{Error: "SomethingNew"}, v2.ExecutionError_EXECUTION_ERROR_KIND_UNKNOWN, -1},
		{ledger.Result{Error: "MoveAbort(...) in command 0", HasAbort: true, AbortCode: 9}, v2.ExecutionError_MOVE_ABORT, 0},
	} {
		s := statusProto(&c.r)
		e := s.GetError()
		if s.GetSuccess() || e.GetKind() != c.kind || e.GetDescription() != c.r.Error || (c.command < 0) != (e.Command == nil) || (c.command >= 0 && e.GetCommand() != uint64(c.command)) {
			t.Errorf("%q: %v", c.r.Error, s)
		}
		if c.r.HasAbort != (e.GetAbort() != nil) || e.GetAbort().GetAbortCode() != c.r.AbortCode || (c.r.HasAbort && e.GetAbort().GetLocation().Package != nil) {
			t.Errorf("%q abort: %v", c.r.Error, e.GetAbort())
		}
	}
	if s := statusProto(&ledger.Result{Success: true}); !s.GetSuccess() || s.Error != nil {
		t.Fatalf("success: %v", s)
	}
	for typ, want := range map[string]bool{"0x2::coin::Coin<0x2::sui::SUI>": true, "0x0000000000000000000000000000000000000000000000000000000000000002::coin::Coin<X>": true,
		"0x12::coin::Coin<X>": false, "0x2::coin::CoinMetadata<X>": false, "0x2::coin::TreasuryCap<X>": false} {
		if isCoin(typ) != want {
			t.Errorf("isCoin(%q) = %v", typ, !want)
		}
	}
}
