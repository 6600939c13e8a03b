package suitest

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	v2proto "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/grpc"
)

// Node is a fake Sui full node: the same small object set served by
// an in-process gRPC server (the SDK's pb LedgerService.BatchGetObjects and
// StateService.ListDynamicFields/ListOwnedObjects, sui/rpc/v2 protos) and
// by an httptest JSON-RPC server (sui_multiGetObjects,
// suix_getDynamicFields, suix_getOwnedObjects, suix_getCoins,
// suix_getBalance, suix_getReferenceGasPrice in the Sui JSON-RPC shapes:
// SuiObjectResponse with showBcs "bcs":{"dataType":"moveObject",...,
// "bcsBytes":<base64>}, DynamicFieldInfo with base64 "bcsName"). Object
// contents are BCS built below from the Move struct layouts cited in
// bcs.go; nothing is a recording of a live node.

// BCS builds BCS values for fixtures; B is the bytes so far.
type BCS struct{ B []byte }

func (w *BCS) U8(v uint8) *BCS   { w.B = append(w.B, v); return w }
func (w *BCS) U16(v uint16) *BCS { w.B = binary.LittleEndian.AppendUint16(w.B, v); return w }
func (w *BCS) U32(v uint32) *BCS { w.B = binary.LittleEndian.AppendUint32(w.B, v); return w }
func (w *BCS) U64(v uint64) *BCS { w.B = binary.LittleEndian.AppendUint64(w.B, v); return w }
func (w *BCS) ULEB(v int) *BCS {
	for v >= 0x80 {
		w.B = append(w.B, byte(v)|0x80)
		v >>= 7
	}
	w.B = append(w.B, byte(v))
	return w
}
func (w *BCS) ID(s string) *BCS {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		panic("bad fixture id " + s)
	}
	w.B = append(w.B, b...)
	return w
}

// u256 appends a decimal u256 in BCS (32 bytes little-endian).
func (w *BCS) U256(dec string) *BCS {
	n, _ := new(big.Int).SetString(dec, 10)
	be := n.FillBytes(make([]byte, 32))
	for i := 31; i >= 0; i-- {
		w.B = append(w.B, be[i])
	}
	return w
}

// OID makes a fixture object ID from a small number.
func OID(n int) string { return fmt.Sprintf("0x%064x", n) }

type object struct {
	typ, owner string
	content    []byte
}

type field struct {
	name    []byte
	fieldID string
}

// Node is the object set both servers serve.
type Node struct {
	objects map[string]object
	fields  map[string][]field
	owned   map[string][]string // owner -> object IDs, in pages of one
	rgp     uint64              // reference gas price (JSON-RPC only)
	mu      sync.Mutex
	calls   map[string]int // GUARDED_BY(mu); method -> count
}

// SetReferenceGasPrice sets what suix_getReferenceGasPrice answers.
func (n *Node) SetReferenceGasPrice(p uint64) { n.rgp = p }

// coins lists owner's Coin<coinType> objects: ID and balance (the u64
// after the UID in Coin { id, balance: Balance { value } }).
func (n *Node) coins(owner, coinType string) (ids []string, bals []uint64) {
	for _, id := range n.owned[owner] {
		o := n.objects[id]
		if o.typ == "0x2::coin::Coin<"+coinType+">" && len(o.content) >= 40 {
			ids = append(ids, id)
			bals = append(bals, binary.LittleEndian.Uint64(o.content[32:40]))
		}
	}
	return ids, bals
}

func (n *Node) hit(method string) {
	n.mu.Lock()
	n.calls[method]++
	n.mu.Unlock()
}

// Count returns how many calls of method (gRPC or JSON-RPC name) were served.
func (n *Node) Count(method string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.calls[method]
}

// NewNode returns an empty fake node.
func NewNode() *Node {
	return &Node{objects: map[string]object{}, fields: map[string][]field{}, owned: map[string][]string{}, calls: map[string]int{}}
}

// --- gRPC ---

type grpcLedger struct {
	v2proto.UnimplementedLedgerServiceServer
	n *Node
}

func (g grpcLedger) BatchGetObjects(_ context.Context, req *v2proto.BatchGetObjectsRequest) (*v2proto.BatchGetObjectsResponse, error) {
	g.n.hit("BatchGetObjects")
	resp := &v2proto.BatchGetObjectsResponse{}
	for _, r := range req.Requests {
		o, ok := g.n.objects[r.GetObjectId()]
		if !ok {
			resp.Objects = append(resp.Objects, &v2proto.GetObjectResult{Result: &v2proto.GetObjectResult_Error{}})
			continue
		}
		resp.Objects = append(resp.Objects, &v2proto.GetObjectResult{Result: &v2proto.GetObjectResult_Object{Object: g.n.proto(r.GetObjectId(), o)}})
	}
	return resp, nil
}

func (n *Node) proto(id string, o object) *v2proto.Object {
	ver := uint64(1)
	owner := &v2proto.Owner{Kind: v2proto.Owner_SHARED.Enum(), Version: &ver}
	if o.owner != "" {
		owner = &v2proto.Owner{Kind: v2proto.Owner_ADDRESS.Enum(), Address: &o.owner}
	}
	return &v2proto.Object{ObjectId: &id, Version: &ver, ObjectType: &o.typ, Owner: owner, Contents: &v2proto.Bcs{Value: o.content}}
}

type grpcState struct {
	v2proto.UnimplementedStateServiceServer
	n *Node
}

func (g grpcState) ListDynamicFields(_ context.Context, req *v2proto.ListDynamicFieldsRequest) (*v2proto.ListDynamicFieldsResponse, error) {
	g.n.hit("ListDynamicFields")
	resp := &v2proto.ListDynamicFieldsResponse{}
	for _, f := range g.n.fields[req.GetParent()] {
		kind := v2proto.DynamicField_FIELD
		resp.DynamicFields = append(resp.DynamicFields, &v2proto.DynamicField{Kind: &kind, FieldId: &f.fieldID, Name: &v2proto.Bcs{Value: f.name}})
	}
	return resp, nil
}

func (g grpcState) ListOwnedObjects(_ context.Context, req *v2proto.ListOwnedObjectsRequest) (*v2proto.ListOwnedObjectsResponse, error) {
	g.n.hit("ListOwnedObjects")
	ids := g.n.owned[req.GetOwner()]
	page, _ := strconv.Atoi(string(req.GetPageToken()))
	resp := &v2proto.ListOwnedObjectsResponse{}
	if page < len(ids) && (req.GetObjectType() == "" || g.n.objects[ids[page]].typ == req.GetObjectType()) {
		resp.Objects = append(resp.Objects, g.n.proto(ids[page], g.n.objects[ids[page]]))
	}
	if page+1 < len(ids) {
		resp.NextPageToken = []byte(strconv.Itoa(page + 1))
	}
	return resp, nil
}

// ServeGRPC starts the gRPC fake on 127.0.0.1 and returns its http:// URL.
func (n *Node) ServeGRPC(t testing.TB) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	v2proto.RegisterLedgerServiceServer(s, grpcLedger{n: n})
	v2proto.RegisterStateServiceServer(s, grpcState{n: n})
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return "http://" + lis.Addr().String()
}

// --- JSON-RPC ---

func (n *Node) jsonObject(id string) map[string]any {
	o, ok := n.objects[id]
	if !ok {
		return map[string]any{"error": map[string]any{"code": "notExists", "object_id": id}}
	}
	var owner any = map[string]any{"Shared": map[string]any{"initial_shared_version": 1}}
	if o.owner != "" {
		owner = map[string]any{"AddressOwner": o.owner}
	}
	return map[string]any{"data": map[string]any{
		"objectId": id, "version": "1", "digest": "11111111111111111111111111111111", "type": o.typ, "owner": owner,
		"bcs": map[string]any{"dataType": "moveObject", "type": o.typ, "hasPublicTransfer": o.owner != "", "version": 1,
			"bcsBytes": base64.StdEncoding.EncodeToString(o.content)},
	}}
}

func (n *Node) handleJSONRPC(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     any               `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || (len(req.Params) == 0 && req.Method != "suix_getReferenceGasPrice") {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	n.hit(req.Method)
	var result any
	var first string
	if len(req.Params) > 0 {
		_ = json.Unmarshal(req.Params[0], &first)
	}
	switch req.Method {
	case "sui_multiGetObjects":
		var ids []string
		_ = json.Unmarshal(req.Params[0], &ids)
		var out []any
		for _, id := range ids {
			out = append(out, n.jsonObject(id))
		}
		result = out
	case "suix_getDynamicFields":
		var data []any
		for _, f := range n.fields[first] {
			data = append(data, map[string]any{
				"name":    map[string]any{"type": "u64", "value": strconv.FormatUint(binary.LittleEndian.Uint64(f.name), 10)},
				"bcsName": base64.StdEncoding.EncodeToString(f.name), "type": "DynamicField",
				"objectType": "0x2::dynamic_field::Field", "objectId": f.fieldID, "version": 1, "digest": "11111111111111111111111111111111",
			})
		}
		result = map[string]any{"data": data, "nextCursor": nil, "hasNextPage": false}
	case "suix_getReferenceGasPrice":
		result = strconv.FormatUint(n.rgp, 10) // BigInt<u64>, a string
	case "suix_getCoins": // owner, coin type, cursor, limit: one coin per page
		var coinType string
		var cursor *string
		if len(req.Params) > 2 {
			_ = json.Unmarshal(req.Params[1], &coinType)
			_ = json.Unmarshal(req.Params[2], &cursor)
		}
		ids, bals := n.coins(first, coinType)
		i := 0
		if cursor != nil {
			i, _ = strconv.Atoi(*cursor)
		}
		page := map[string]any{"data": []any{}, "nextCursor": nil, "hasNextPage": i+1 < len(ids)}
		if i < len(ids) {
			page["data"] = []any{map[string]any{"coinType": coinType, "coinObjectId": ids[i], "version": "1",
				"digest": "11111111111111111111111111111111", "balance": strconv.FormatUint(bals[i], 10)}}
		}
		if i+1 < len(ids) {
			page["nextCursor"] = strconv.Itoa(i + 1)
		}
		result = page
	case "suix_getBalance": // owner, coin type
		var coinType string
		if len(req.Params) > 1 {
			_ = json.Unmarshal(req.Params[1], &coinType)
		}
		ids, bals := n.coins(first, coinType)
		var total uint64
		for _, b := range bals {
			total += b
		}
		result = map[string]any{"coinType": coinType, "coinObjectCount": len(ids), "totalBalance": strconv.FormatUint(total, 10), "lockedBalance": map[string]any{}}
	case "suix_getOwnedObjects":
		var data []any
		for _, id := range n.owned[first] {
			data = append(data, n.jsonObject(id))
		}
		result = map[string]any{"data": data, "nextCursor": nil, "hasNextPage": false}
	default:
		result = nil
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": map[string]any{"code": -32601, "message": "Method not found"}})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
}

// ServeJSONRPC starts the JSON-RPC fake and returns its URL.
func (n *Node) ServeJSONRPC(t testing.TB) string {
	srv := httptest.NewServer(http.HandlerFunc(n.handleJSONRPC))
	t.Cleanup(srv.Close)
	return srv.URL
}
