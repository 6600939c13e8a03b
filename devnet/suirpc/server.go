// Package suirpc serves the Sui full node gRPC API (sui.rpc.v2, the
// protos of github.com/block-vision/sui-go-sdk v1.2.1's pb/sui/rpc/v2)
// over any ledger.Ledger, so that Sui clients (walrusfs's package sui,
// the SDK's sui/v2 client) can run against a simulated chain.
//
// Served: LedgerService GetServiceInfo, GetObject, BatchGetObjects,
// GetTransaction, BatchGetTransactions, GetEpoch (epoch and
// reference_gas_price); StateService ListOwnedObjects (type filter, page
// tokens), ListDynamicFields, GetBalance, ListBalances;
// TransactionExecutionService ExecuteTransaction, SimulateTransaction.
// Read masks are honoured, with the node's documented defaults.
//
// Errors follow the node: a transaction the ledger refuses to execute
// (bad signature, stale object, ...) is a gRPC InvalidArgument error with
// the ledger's reason; one that executed and aborted is a normal answer
// whose effects carry the failed status, the abort code and location.
//
// What the ledger cannot tell is left out rather than invented: object
// and effects BCS, input versions of changed objects, historical
// versions and epochs, checkpoint contents. Balance answers carry
// address_balance (4) and coin_balance (5), fields of today's sui.rpc.v2
// Balance that the SDK's generated code predates, as unknown fields with
// their real numbers.
package suirpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/walrusfs/walrusfs/devnet/ledger"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ChainID is what GetServiceInfo reports as the chain identifier.
const ChainID = "walrusfs-devnet"

const (
	defaultPage = 50
	maxPage     = 1000
)

// Register adds the three services over l to s.
func Register(s *grpc.Server, l ledger.Ledger) {
	n := &node{l: l}
	v2.RegisterLedgerServiceServer(s, ledgerService{n: n})
	v2.RegisterStateServiceServer(s, stateService{n: n})
	v2.RegisterTransactionExecutionServiceServer(s, execService{n: n})
}

// Serve answers gRPC on ln until ctx is done.
func Serve(ctx context.Context, ln net.Listener, l ledger.Ledger) error {
	s := grpc.NewServer()
	Register(s, l)
	stop := context.AfterFunc(ctx, s.Stop)
	defer stop()
	err := s.Serve(ln)
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("suirpc: serving on %s: %w", ln.Addr(), err)
	}
	return nil
}

type node struct{ l ledger.Ledger }

// fail turns a ledger error into a gRPC status with code c unless the
// error is a context or not-found one.
func fail(c codes.Code, what string, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		c = codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		c = codes.DeadlineExceeded
	case errors.Is(err, ledger.ErrNotFound):
		c = codes.NotFound
	}
	return grpcstatus.Errorf(c, "%s: %v", what, err)
}

func badMask(err error) error { return grpcstatus.Error(codes.InvalidArgument, err.Error()) }

// pageSize is the request's page size with the node's default and cap.
func pageSize(p *uint32) int {
	switch {
	case p == nil || *p == 0:
		return defaultPage
	case *p > maxPage:
		return maxPage
	}
	return int(*p)
}

// page returns the items after the key in token (keys ascending) and the
// next token. key gives each item's key.
func page[T any](items []T, key func(T) string, token []byte, size int) ([]T, []byte) {
	start := 0
	if len(token) > 0 {
		start, _ = slices.BinarySearchFunc(items, string(token), func(it T, k string) int { return strings.Compare(key(it), k) })
		if start < len(items) && key(items[start]) == string(token) {
			start++
		}
	}
	end := min(start+size, len(items))
	var next []byte
	if end < len(items) {
		next = []byte(key(items[end-1]))
	}
	return items[start:end], next
}

func (n *node) epoch(ctx context.Context) (ledger.Epoch, error) {
	e, err := n.l.Epoch(ctx)
	if err != nil {
		return e, fail(codes.Internal, "reading the epoch", err)
	}
	return e, nil
}

// --- LedgerService ---

type ledgerService struct {
	v2.UnimplementedLedgerServiceServer
	n *node
}

func (s ledgerService) GetServiceInfo(ctx context.Context, _ *v2.GetServiceInfoRequest) (*v2.GetServiceInfoResponse, error) {
	e, err := s.n.epoch(ctx)
	if err != nil {
		return nil, err
	}
	return &v2.GetServiceInfoResponse{ChainId: proto.String(ChainID), Chain: proto.String("localnet"), Epoch: proto.Uint64(e.Epoch),
		Timestamp: timestamppb.Now(), Server: proto.String("walrusfs-devnet-suirpc")}, nil
}

// objects reads ids (one ledger call) and checks requested versions.
func (n *node) objects(ctx context.Context, reqs []*v2.GetObjectRequest) ([]*ledger.Object, []error, error) {
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		ids[i] = r.GetObjectId()
	}
	objs, err := n.l.Objects(ctx, ids)
	if err != nil {
		return nil, nil, fail(codes.Internal, "reading objects", err)
	}
	if len(objs) != len(ids) {
		return nil, nil, grpcstatus.Errorf(codes.Internal, "ledger answered %d objects for %d IDs", len(objs), len(ids))
	}
	errs := make([]error, len(ids))
	for i, o := range objs {
		switch {
		case ids[i] == "":
			errs[i] = grpcstatus.Error(codes.InvalidArgument, "missing object_id")
		case o == nil:
			errs[i] = grpcstatus.Errorf(codes.NotFound, "object %s not found", ids[i])
		case reqs[i].Version != nil && reqs[i].GetVersion() != o.Version:
			errs[i] = grpcstatus.Errorf(codes.NotFound, "object %s version %d not found (latest is %d; history is not kept)", ids[i], reqs[i].GetVersion(), o.Version)
		}
	}
	return objs, errs, nil
}

func (s ledgerService) GetObject(ctx context.Context, req *v2.GetObjectRequest) (*v2.GetObjectResponse, error) {
	m, err := parseMask(&v2.Object{}, req.ReadMask, "object_id,version,digest")
	if err != nil {
		return nil, badMask(err)
	}
	objs, errs, err := s.n.objects(ctx, []*v2.GetObjectRequest{req})
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	o := objectProto(objs[0])
	m.apply(o)
	return &v2.GetObjectResponse{Object: o}, nil
}

func (s ledgerService) BatchGetObjects(ctx context.Context, req *v2.BatchGetObjectsRequest) (*v2.BatchGetObjectsResponse, error) {
	m, err := parseMask(&v2.Object{}, req.ReadMask, "object_id,version,digest")
	if err != nil {
		return nil, badMask(err)
	}
	objs, errs, err := s.n.objects(ctx, req.Requests)
	if err != nil {
		return nil, err
	}
	resp := &v2.BatchGetObjectsResponse{}
	for i, o := range objs {
		if errs[i] != nil {
			st, _ := grpcstatus.FromError(errs[i])
			resp.Objects = append(resp.Objects, &v2.GetObjectResult{Result: &v2.GetObjectResult_Error{Error: st.Proto()}})
			continue
		}
		p := objectProto(o)
		m.apply(p)
		resp.Objects = append(resp.Objects, &v2.GetObjectResult{Result: &v2.GetObjectResult_Object{Object: p}})
	}
	return resp, nil
}

func (n *node) transaction(ctx context.Context, digest string, m mask) (*v2.ExecutedTransaction, error) {
	if digest == "" {
		return nil, grpcstatus.Error(codes.InvalidArgument, "missing digest")
	}
	r, err := n.l.Transaction(ctx, digest)
	if err != nil {
		return nil, fail(codes.Internal, "transaction "+digest, err)
	}
	e, err := n.epoch(ctx)
	if err != nil {
		return nil, err
	}
	t := executedProto(r, e.Epoch, nil)
	m.apply(t)
	return t, nil
}

func (s ledgerService) GetTransaction(ctx context.Context, req *v2.GetTransactionRequest) (*v2.GetTransactionResponse, error) {
	m, err := parseMask(&v2.ExecutedTransaction{}, req.ReadMask, "digest")
	if err != nil {
		return nil, badMask(err)
	}
	t, err := s.n.transaction(ctx, req.GetDigest(), m)
	if err != nil {
		return nil, err
	}
	return &v2.GetTransactionResponse{Transaction: t}, nil
}

func (s ledgerService) BatchGetTransactions(ctx context.Context, req *v2.BatchGetTransactionsRequest) (*v2.BatchGetTransactionsResponse, error) {
	m, err := parseMask(&v2.ExecutedTransaction{}, req.ReadMask, "digest")
	if err != nil {
		return nil, badMask(err)
	}
	resp := &v2.BatchGetTransactionsResponse{}
	for _, d := range req.Digests {
		t, err := s.n.transaction(ctx, d, m)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			st, _ := grpcstatus.FromError(err)
			resp.Transactions = append(resp.Transactions, &v2.GetTransactionResult{Result: &v2.GetTransactionResult_Error{Error: st.Proto()}})
			continue
		}
		resp.Transactions = append(resp.Transactions, &v2.GetTransactionResult{Result: &v2.GetTransactionResult_Transaction{Transaction: t}})
	}
	return resp, nil
}

func (s ledgerService) GetEpoch(ctx context.Context, req *v2.GetEpochRequest) (*v2.GetEpochResponse, error) {
	m, err := parseMask(&v2.Epoch{}, req.ReadMask, "epoch")
	if err != nil {
		return nil, badMask(err)
	}
	e, err := s.n.epoch(ctx)
	if err != nil {
		return nil, err
	}
	if req.Epoch != nil && req.GetEpoch() != e.Epoch {
		return nil, grpcstatus.Errorf(codes.NotFound, "epoch %d not found (current is %d; history is not kept)", req.GetEpoch(), e.Epoch)
	}
	p := &v2.Epoch{Epoch: proto.Uint64(e.Epoch), ReferenceGasPrice: proto.Uint64(e.ReferenceGasPrice)}
	m.apply(p)
	return &v2.GetEpochResponse{Epoch: p}, nil
}

// --- StateService ---

type stateService struct {
	v2.UnimplementedStateServiceServer
	n *node
}

func (s stateService) ListOwnedObjects(ctx context.Context, req *v2.ListOwnedObjectsRequest) (*v2.ListOwnedObjectsResponse, error) {
	m, err := parseMask(&v2.Object{}, req.ReadMask, "object_id,version,object_type")
	if err != nil {
		return nil, badMask(err)
	}
	if req.GetOwner() == "" {
		return nil, grpcstatus.Error(codes.InvalidArgument, "missing owner")
	}
	objs, err := s.n.l.OwnedObjects(ctx, req.GetOwner(), req.GetObjectType())
	if err != nil {
		return nil, fail(codes.Internal, "listing objects of "+req.GetOwner(), err)
	}
	slices.SortFunc(objs, func(a, b *ledger.Object) int { return strings.Compare(a.ID, b.ID) })
	pg, next := page(objs, func(o *ledger.Object) string { return o.ID }, req.PageToken, pageSize(req.PageSize))
	resp := &v2.ListOwnedObjectsResponse{NextPageToken: next}
	for _, o := range pg {
		p := objectProto(o)
		m.apply(p)
		resp.Objects = append(resp.Objects, p)
	}
	return resp, nil
}

// isObjectField reports whether a dynamic field's name type is the
// wrapper of a dynamic object field (0x2::dynamic_object_field::Wrapper<K>).
func isObjectField(nameType string) bool {
	addr, rest, ok := strings.Cut(nameType, "::")
	return ok && isFramework(addr) && strings.HasPrefix(rest, "dynamic_object_field::Wrapper<")
}

func (s stateService) ListDynamicFields(ctx context.Context, req *v2.ListDynamicFieldsRequest) (*v2.ListDynamicFieldsResponse, error) {
	m, err := parseMask(&v2.DynamicField{}, req.ReadMask, "parent,field_id")
	if err != nil {
		return nil, badMask(err)
	}
	if req.GetParent() == "" {
		return nil, grpcstatus.Error(codes.InvalidArgument, "missing parent")
	}
	fields, err := s.n.l.DynamicFields(ctx, req.GetParent())
	if err != nil {
		return nil, fail(codes.Internal, "listing dynamic fields of "+req.GetParent(), err)
	}
	slices.SortFunc(fields, func(a, b ledger.Field) int { return strings.Compare(a.FieldID, b.FieldID) })
	pg, next := page(fields, func(f ledger.Field) string { return f.FieldID }, req.PageToken, pageSize(req.PageSize))
	ids := make([]string, len(pg))
	for i, f := range pg {
		ids[i] = f.FieldID
	}
	objs, err := s.n.l.Objects(ctx, ids)
	if err != nil {
		return nil, fail(codes.Internal, "reading dynamic fields of "+req.GetParent(), err)
	}
	if len(objs) != len(ids) {
		return nil, grpcstatus.Errorf(codes.Internal, "ledger answered %d objects for %d field IDs", len(objs), len(ids))
	}
	resp := &v2.ListDynamicFieldsResponse{NextPageToken: next}
	for i, f := range pg {
		p := &v2.DynamicField{
			Kind:      v2.DynamicField_FIELD.Enum(),
			Parent:    proto.String(req.GetParent()),
			FieldId:   proto.String(f.FieldID),
			Name:      &v2.Bcs{Name: proto.String(f.NameType), Value: f.NameBCS},
			ValueType: proto.String(f.ValueType),
		}
		if o := objs[i]; o != nil {
			p.FieldObject = objectProto(o)
			// Field<K, V> { id: UID, name: K, value: V }
			if v := 32 + len(f.NameBCS); len(o.Contents) >= v {
				p.Value = &v2.Bcs{Name: proto.String(f.ValueType), Value: o.Contents[v:]}
				if isObjectField(f.NameType) && len(o.Contents)-v == 32 {
					p.Kind = v2.DynamicField_OBJECT.Enum()
					p.ChildId = proto.String(fmt.Sprintf("0x%x", o.Contents[v:]))
				}
			}
		}
		m.apply(p)
		resp.DynamicFields = append(resp.DynamicFields, p)
	}
	return resp, nil
}

// balanceProto is a Balance with address_balance (field 4) and
// coin_balance (field 5) appended as unknown fields.
func balanceProto(b ledger.Balance) *v2.Balance {
	p := &v2.Balance{CoinType: proto.String(b.CoinType), Balance: proto.Uint64(b.CoinBalance + b.AddressBalance)}
	var raw []byte
	raw = protowire.AppendTag(raw, 4, protowire.VarintType)
	raw = protowire.AppendVarint(raw, b.AddressBalance)
	raw = protowire.AppendTag(raw, 5, protowire.VarintType)
	raw = protowire.AppendVarint(raw, b.CoinBalance)
	p.ProtoReflect().SetUnknown(raw)
	return p
}

func (s stateService) GetBalance(ctx context.Context, req *v2.GetBalanceRequest) (*v2.GetBalanceResponse, error) {
	if req.GetOwner() == "" || req.GetCoinType() == "" {
		return nil, grpcstatus.Error(codes.InvalidArgument, "owner and coin_type are required")
	}
	b, err := s.n.l.Balance(ctx, req.GetOwner(), req.GetCoinType())
	if err != nil {
		return nil, fail(codes.Internal, "balance of "+req.GetOwner(), err)
	}
	if b.CoinType == "" {
		b.CoinType = req.GetCoinType()
	}
	return &v2.GetBalanceResponse{Balance: balanceProto(b)}, nil
}

// ListBalances covers the coin types of the owner's Coin objects (the
// ledger cannot list types held only as address balance).
func (s stateService) ListBalances(ctx context.Context, req *v2.ListBalancesRequest) (*v2.ListBalancesResponse, error) {
	if req.GetOwner() == "" {
		return nil, grpcstatus.Error(codes.InvalidArgument, "missing owner")
	}
	coins, err := s.n.l.OwnedObjects(ctx, req.GetOwner(), "0x2::coin::Coin")
	if err != nil {
		return nil, fail(codes.Internal, "listing coins of "+req.GetOwner(), err)
	}
	var types []string
	for _, c := range coins {
		if i := strings.Index(c.Type, "<"); i >= 0 && strings.HasSuffix(c.Type, ">") {
			types = append(types, c.Type[i+1:len(c.Type)-1])
		}
	}
	slices.Sort(types)
	types = slices.Compact(types)
	pg, next := page(types, func(t string) string { return t }, req.PageToken, pageSize(req.PageSize))
	resp := &v2.ListBalancesResponse{NextPageToken: next}
	for _, t := range pg {
		b, err := s.n.l.Balance(ctx, req.GetOwner(), t)
		if err != nil {
			return nil, fail(codes.Internal, "balance of "+req.GetOwner(), err)
		}
		if b.CoinType == "" {
			b.CoinType = t
		}
		resp.Balances = append(resp.Balances, balanceProto(b))
	}
	return resp, nil
}

// --- TransactionExecutionService ---

type execService struct {
	v2.UnimplementedTransactionExecutionServiceServer
	n *node
}

func (s execService) ExecuteTransaction(ctx context.Context, req *v2.ExecuteTransactionRequest) (*v2.ExecuteTransactionResponse, error) {
	m, err := parseMask(&v2.ExecutedTransaction{}, req.ReadMask, "effects.status,checkpoint")
	if err != nil {
		return nil, badMask(err)
	}
	tx := req.GetTransaction().GetBcs().GetValue()
	if len(tx) == 0 {
		return nil, grpcstatus.Error(codes.InvalidArgument, "transaction.bcs is required (the BCS TransactionData)")
	}
	var sigs [][]byte
	for i, sg := range req.Signatures {
		b := sg.GetBcs().GetValue()
		if len(b) == 0 {
			return nil, grpcstatus.Errorf(codes.InvalidArgument, "signature %d: bcs is required (the serialized signature)", i)
		}
		sigs = append(sigs, b)
	}
	if len(sigs) == 0 {
		return nil, grpcstatus.Error(codes.InvalidArgument, "the transaction has no signatures")
	}
	r, err := s.n.l.Execute(ctx, tx, sigs)
	if err != nil {
		return nil, fail(codes.InvalidArgument, "transaction rejected", err)
	}
	e, err := s.n.epoch(ctx)
	if err != nil {
		return nil, err
	}
	t := executedProto(r, e.Epoch, sigs)
	m.apply(t)
	return &v2.ExecuteTransactionResponse{Transaction: t}, nil
}

func (s execService) SimulateTransaction(ctx context.Context, req *v2.SimulateTransactionRequest) (*v2.SimulateTransactionResponse, error) {
	m, err := parseMask(&v2.SimulateTransactionResponse{}, req.ReadMask, "transaction.effects.status")
	if err != nil {
		return nil, badMask(err)
	}
	if req.GetDoGasSelection() {
		return nil, grpcstatus.Error(codes.Unimplemented, "do_gas_selection is not supported: give the gas payment, or none for a dry run")
	}
	tx := req.GetTransaction().GetBcs().GetValue()
	if len(tx) == 0 {
		return nil, grpcstatus.Error(codes.InvalidArgument, "transaction.bcs is required (the BCS TransactionData)")
	}
	r, err := s.n.l.Simulate(ctx, tx)
	if err != nil {
		return nil, fail(codes.InvalidArgument, "transaction cannot be simulated", err)
	}
	e, err := s.n.epoch(ctx)
	if err != nil {
		return nil, err
	}
	t := executedProto(r, e.Epoch, nil)
	t.Checkpoint, t.Digest = nil, nil
	resp := &v2.SimulateTransactionResponse{Transaction: t}
	m.apply(resp)
	return resp, nil
}
