package suirpc

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/walrusfs/walrusfs/devnet/ledger"
	"google.golang.org/protobuf/proto"
)

// ownerProto is how the node describes an owner.
func ownerProto(o ledger.Owner) *v2.Owner {
	switch {
	case o.Shared:
		return &v2.Owner{Kind: v2.Owner_SHARED.Enum(), Version: proto.Uint64(o.InitialSharedVersion)}
	case o.Immutable:
		return &v2.Owner{Kind: v2.Owner_IMMUTABLE.Enum()}
	default:
		return &v2.Owner{Kind: v2.Owner_ADDRESS.Enum(), Address: proto.String(o.Address)}
	}
}

// isCoin reports whether a Move type is 0x2::coin::Coin<T>, in the short
// or the long address form.
func isCoin(typ string) bool {
	addr, rest, ok := strings.Cut(typ, "::")
	return ok && strings.HasPrefix(rest, "coin::Coin<") && isFramework(addr)
}

// isFramework reports whether addr is 0x2 in any hex length.
func isFramework(addr string) bool {
	h, ok := strings.CutPrefix(addr, "0x")
	return ok && strings.TrimLeft(h, "0") == "2"
}

// objectProto is the full Object message; read masks trim it.
func objectProto(o *ledger.Object) *v2.Object {
	p := &v2.Object{
		ObjectId:   proto.String(o.ID),
		Version:    proto.Uint64(o.Version),
		Digest:     proto.String(o.Digest),
		Owner:      ownerProto(o.Owner),
		ObjectType: proto.String(o.Type),
		Contents:   &v2.Bcs{Name: proto.String(o.Type), Value: o.Contents},
	}
	if isCoin(o.Type) {
		p.Balance = proto.Uint64(o.Balance)
	}
	return p
}

// kindByName maps Sui's error names (ExecutionFailureStatus variants, in
// CamelCase as in Result.Error) to the proto enum.
func errorKind(desc string, abort bool) v2.ExecutionError_ExecutionErrorKind {
	if abort {
		return v2.ExecutionError_MOVE_ABORT
	}
	name := desc
	if i := strings.IndexAny(name, "({ "); i >= 0 {
		name = name[:i]
	}
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	if v, ok := v2.ExecutionError_ExecutionErrorKind_value[b.String()]; ok {
		return v2.ExecutionError_ExecutionErrorKind(v)
	}
	return v2.ExecutionError_EXECUTION_ERROR_KIND_UNKNOWN
}

var (
	reCommand  = regexp.MustCompile(` in command (\d+)$`)
	reAddress  = regexp.MustCompile(`address: (?:0x)?([0-9a-fA-F]{1,64})\b`)
	reFunction = regexp.MustCompile(`function_name: Some\("([^"]*)"\)`)
)

// statusProto is the execution status of r. For a Move abort the
// location's module and function come from Result.AbortModule and the
// Sui-style description (whose "address:", "function_name:" and
// "in command N" parts it parses).
func statusProto(r *ledger.Result) *v2.ExecutionStatus {
	if r.Success {
		return &v2.ExecutionStatus{Success: proto.Bool(true)}
	}
	e := &v2.ExecutionError{Description: proto.String(r.Error), Kind: errorKind(r.Error, r.HasAbort).Enum()}
	if m := reCommand.FindStringSubmatch(r.Error); m != nil {
		if n, err := strconv.ParseUint(m[1], 10, 64); err == nil {
			e.Command = proto.Uint64(n)
		}
	}
	if r.HasAbort {
		loc := &v2.MoveLocation{}
		if r.AbortModule != "" {
			loc.Module = proto.String(r.AbortModule)
		}
		if m := reAddress.FindStringSubmatch(r.Error); m != nil {
			loc.Package = proto.String("0x" + strings.Repeat("0", 64-len(m[1])) + strings.ToLower(m[1]))
		}
		if m := reFunction.FindStringSubmatch(r.Error); m != nil {
			loc.FunctionName = proto.String(m[1])
		}
		e.ErrorDetails = &v2.ExecutionError_Abort{Abort: &v2.MoveAbort{AbortCode: proto.Uint64(r.AbortCode), Location: loc}}
	}
	return &v2.ExecutionStatus{Success: proto.Bool(false), Error: e}
}

// changedProto describes one changed object as effects do. The ledger
// does not keep input versions, so input_version/input_digest are absent.
func changedProto(c ledger.Changed) *v2.ChangedObject {
	p := &v2.ChangedObject{ObjectId: proto.String(c.ID), ObjectType: proto.String(c.Type)}
	switch c.Op {
	case ledger.Created:
		p.InputState = v2.ChangedObject_INPUT_OBJECT_STATE_DOES_NOT_EXIST.Enum()
		p.IdOperation = v2.ChangedObject_CREATED.Enum()
	case ledger.Deleted:
		p.InputState = v2.ChangedObject_INPUT_OBJECT_STATE_EXISTS.Enum()
		p.InputOwner = ownerProto(c.Owner)
		p.IdOperation = v2.ChangedObject_DELETED.Enum()
		p.OutputState = v2.ChangedObject_OUTPUT_OBJECT_STATE_DOES_NOT_EXIST.Enum()
		return p
	default:
		p.InputState = v2.ChangedObject_INPUT_OBJECT_STATE_EXISTS.Enum()
		p.IdOperation = v2.ChangedObject_NONE.Enum()
	}
	p.OutputState = v2.ChangedObject_OUTPUT_OBJECT_STATE_OBJECT_WRITE.Enum()
	p.OutputVersion = proto.Uint64(c.Version)
	p.OutputDigest = proto.String(c.Digest)
	p.OutputOwner = ownerProto(c.Owner)
	return p
}

// effectsProto is the effects of r in Sui epoch epoch. The gas object is
// also listed among the changed objects, as Sui's effects do.
func effectsProto(r *ledger.Result, epoch uint64) *v2.TransactionEffects {
	e := &v2.TransactionEffects{
		Version:           proto.Int32(2),
		Status:            statusProto(r),
		Epoch:             proto.Uint64(epoch),
		TransactionDigest: proto.String(r.Digest),
		GasUsed: &v2.GasCostSummary{
			ComputationCost:         proto.Uint64(r.Gas.Computation),
			StorageCost:             proto.Uint64(r.Gas.Storage),
			StorageRebate:           proto.Uint64(r.Gas.Rebate),
			NonRefundableStorageFee: proto.Uint64(r.Gas.NonRefundableStorageFee),
		},
	}
	var lamport uint64
	gasListed := false
	for _, c := range r.Changed {
		e.ChangedObjects = append(e.ChangedObjects, changedProto(c))
		lamport = max(lamport, c.Version)
		gasListed = gasListed || c.ID == r.GasObject.ID
	}
	if r.GasObject.ID != "" {
		e.GasObject = changedProto(r.GasObject)
		lamport = max(lamport, r.GasObject.Version)
		if !gasListed {
			e.ChangedObjects = append(e.ChangedObjects, changedProto(r.GasObject))
		}
	}
	if lamport > 0 {
		e.LamportVersion = proto.Uint64(lamport)
	}
	return e
}

// eventsProto lists r's events; package and module come from the type.
func eventsProto(r *ledger.Result) *v2.TransactionEvents {
	ev := &v2.TransactionEvents{}
	for _, e := range r.Events {
		p := &v2.Event{EventType: proto.String(e.Type), Contents: &v2.Bcs{Name: proto.String(e.Type), Value: e.BCS}}
		if parts := strings.SplitN(e.Type, "::", 3); len(parts) == 3 {
			p.PackageId, p.Module = proto.String(parts[0]), proto.String(parts[1])
		}
		ev.Events = append(ev.Events, p)
	}
	return ev
}

// executedProto is the full ExecutedTransaction of r; sigs are the
// signatures it was submitted with, if known.
func executedProto(r *ledger.Result, epoch uint64, sigs [][]byte) *v2.ExecutedTransaction {
	t := &v2.ExecutedTransaction{
		Digest:      proto.String(r.Digest),
		Transaction: &v2.Transaction{Bcs: &v2.Bcs{Name: proto.String("TransactionData"), Value: r.TxData}, Digest: proto.String(r.Digest)},
		Effects:     effectsProto(r, epoch),
		Events:      eventsProto(r),
	}
	for _, s := range sigs {
		t.Signatures = append(t.Signatures, &v2.UserSignature{Bcs: &v2.Bcs{Name: proto.String("UserSignatureBytes"), Value: s}})
	}
	if r.Checkpoint != 0 {
		t.Checkpoint = proto.Uint64(r.Checkpoint)
	}
	return t
}
