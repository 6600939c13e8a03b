package suirpc

import (
	"testing"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func TestMask(t *testing.T) {
	full := func() *v2.ExecutedTransaction {
		return &v2.ExecutedTransaction{
			Digest: proto.String("d"), Checkpoint: proto.Uint64(3),
			Effects: &v2.TransactionEffects{
				Status:         &v2.ExecutionStatus{Success: proto.Bool(true)},
				Epoch:          proto.Uint64(5),
				ChangedObjects: []*v2.ChangedObject{{ObjectId: proto.String("a"), ObjectType: proto.String("T")}, {ObjectId: proto.String("b")}},
			},
		}
	}
	for _, c := range []struct {
		paths []string
		want  *v2.ExecutedTransaction
	}{
		{nil, &v2.ExecutedTransaction{Digest: proto.String("d")}}, // the default
		{[]string{"effects.status", "effects"}, &v2.ExecutedTransaction{Effects: full().Effects}},
		{[]string{"effects", "effects.status"}, &v2.ExecutedTransaction{Effects: full().Effects}},
		{[]string{"effects.changed_objects.object_type", "checkpoint"}, &v2.ExecutedTransaction{Checkpoint: proto.Uint64(3),
			Effects: &v2.TransactionEffects{ChangedObjects: []*v2.ChangedObject{{ObjectType: proto.String("T")}, {}}}}},
	} {
		m, err := parseMask(&v2.ExecutedTransaction{}, &fieldmaskpb.FieldMask{Paths: c.paths}, "digest")
		if err != nil {
			t.Fatal(err)
		}
		got := full()
		m.apply(got)
		if !proto.Equal(got, c.want) {
			t.Errorf("mask %v:\n got %v\nwant %v", c.paths, got, c.want)
		}
	}
	for _, bad := range []string{"", "effects.", "effects.status.success.x", "balance_changes.amount.x", "nope"} {
		if _, err := parseMask(&v2.ExecutedTransaction{}, &fieldmaskpb.FieldMask{Paths: []string{bad}}, "digest"); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
}
