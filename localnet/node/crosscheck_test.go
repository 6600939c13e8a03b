package node

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/internal/npmoracle"
	"github.com/walrusfs/walrusfs/rs2"
)

//go:embed testdata/tsnodeclient.mjs
var tsNodeClientScript []byte

// vectorsFile holds, for fixed inputs, the confirmation messages the TS
// SDK expects and the error classes it gave; WALRUSFS_UPDATE_VECTORS=1
// with the live cross-check rewrites it.
const vectorsFile = "testdata/tsnodeclient.json"

type tsSliver struct {
	Pair int    `json:"pair"`
	Type string `json:"type"`
	Data string `json:"data"`
}

type tsInput struct {
	URL           string     `json:"url"`
	BlobID        string     `json:"blobId"`
	Metadata      string     `json:"metadata"`
	Slivers       []tsSliver `json:"slivers"`
	Epoch         uint32     `json:"epoch"`
	ObjectID      string     `json:"objectId"`
	WrongObjectID string     `json:"wrongObjectId"`
}

type tsOutcome struct {
	OK      json.RawMessage `json:"ok"`
	Error   string          `json:"error"`
	Status  *int            `json:"status"`
	Message string          `json:"message"`
}

type tsOutput struct {
	MetaUnregistered   tsOutcome   `json:"metaUnregistered"`
	SliverUnregistered tsOutcome   `json:"sliverUnregistered"`
	ConfUnregistered   tsOutcome   `json:"confUnregistered"`
	StatusUnregistered tsOutcome   `json:"statusUnregistered"`
	MetaRegistered     tsOutcome   `json:"metaRegistered"`
	ConfEarly          tsOutcome   `json:"confEarly"`
	Slivers            []tsOutcome `json:"slivers"`
	MetaStatus         tsOutcome   `json:"metaStatus"`
	SliverStatus       tsOutcome   `json:"sliverStatus"`
	BlobStatus         tsOutcome   `json:"blobStatus"`
	Permanent          tsOutcome   `json:"permanent"`
	Deletable          tsOutcome   `json:"deletable"`
	DeletableWrong     tsOutcome   `json:"deletableWrong"`
	ExpectedPermanent  string      `json:"expectedPermanent"`
	ExpectedDeletable  string      `json:"expectedDeletable"`
}

// tsVector is one committed case: inputs and what the TS SDK made of
// the node's answers.
type tsVector struct {
	BlobID            string `json:"blobId"`
	Epoch             uint32 `json:"epoch"`
	ObjectID          string `json:"objectId"`
	ExpectedPermanent string `json:"expectedPermanent"`
	ExpectedDeletable string `json:"expectedDeletable"`
	NotRegisteredErr  string `json:"notRegisteredError"`
	MissingSliversErr string `json:"missingSliversError"`
}

// tsCase runs the TS StorageNodeClient against a fresh chain-mode node
// with a blob from rng and returns the mismatches.
func tsCase(t *testing.T, dir string, rng *rand.Rand) ([]string, tsVector) {
	data := make([]byte, 1+rng.IntN(100_000))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	epoch := rng.Uint32N(1 << 20)
	var obj, wrong [32]byte
	for i := range obj {
		obj[i], wrong[i] = byte(rng.Uint32()), byte(rng.Uint32())
	}
	reg := newRegistry(epoch)
	nd, err := Open(t.TempDir(), Options{NShards: 10, Shards: []int{0, 1, 2, 3, 4}, NoSync: true, Registry: reg, Confirmer: testConfirmer})
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := rs2.NewEncoder(10)
	var in tsInput
	// emit runs on several goroutines and a sliver is only valid during
	// the call.
	var (
		mu  sync.Mutex
		all []tsSliver
	)
	m, err := enc.Encode(data, func(s *rs2.Sliver) error {
		ts := tsSliver{Pair: s.PairIndex(10), Type: s.Type.String(), Data: base64.StdEncoding.EncodeToString(s.MarshalBCS())}
		mu.Lock()
		all = append(all, ts)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	id := m.BlobID()
	for _, s := range all {
		if nd.Holds(rs2.PairShard(id, s.Pair, 10)) {
			in.Slivers = append(in.Slivers, s)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/", nd.Handler())
	mux.HandleFunc("POST /test/register", func(w http.ResponseWriter, r *http.Request) {
		reg.set(id, Registration{Permanent: true, Deletable: true, EndEpoch: epoch + 3, ObjectIDs: [][32]byte{obj}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	in.URL, in.BlobID, in.Epoch = srv.URL, id.String(), epoch
	in.Metadata = base64.StdEncoding.EncodeToString(m.MarshalBCS())
	in.ObjectID, in.WrongObjectID = "0x"+hex.EncodeToString(obj[:]), "0x"+hex.EncodeToString(wrong[:])

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out tsOutput
	if err := npmoracle.Run(ctx, dir, "walrusfs-tsnodeclient.mjs", tsNodeClientScript, in, &out); err != nil {
		t.Fatal(err)
	}

	var bad []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	isErr := func(o tsOutcome, class string, status int) bool {
		return o.Error == class && o.Status != nil && *o.Status == status
	}
	success := func(o tsOutcome, code int) bool {
		var env SuccessResponse[json.RawMessage]
		return o.Error == "" && json.Unmarshal(o.OK, &env) == nil && env.Success.Code == code
	}
	check(isErr(out.MetaUnregistered, "BlobNotRegisteredError", 400), "metadata before registration: %+v", out.MetaUnregistered)
	check(isErr(out.SliverUnregistered, "BlobNotRegisteredError", 400), "sliver before registration: %+v", out.SliverUnregistered)
	check(isErr(out.ConfUnregistered, "BlobNotRegisteredError", 400), "confirmation before registration: %+v", out.ConfUnregistered)
	check(string(out.StatusUnregistered.OK) == `{"type":"nonexistent"}`, "status before registration: %+v", out.StatusUnregistered)
	check(success(out.MetaRegistered, 201), "metadata: %+v", out.MetaRegistered)
	check(isErr(out.ConfEarly, "BadRequestError", 400), "confirmation before the slivers: %+v", out.ConfEarly)
	check(len(in.Slivers) == 10 && len(out.Slivers) == len(in.Slivers), "%d sliver answers for %d slivers (want 10)", len(out.Slivers), len(in.Slivers))
	for i, o := range out.Slivers {
		check(success(o, 201), "sliver %d: %+v", i, o)
	}
	check(string(out.MetaStatus.OK) == `"stored"`, "metadata status: %+v", out.MetaStatus)
	check(string(out.SliverStatus.OK) == `"stored"`, "sliver status: %+v", out.SliverStatus)
	var st struct {
		Type        string `json:"type"`
		EndEpoch    uint32 `json:"endEpoch"`
		IsCertified bool   `json:"isCertified"`
	}
	check(json.Unmarshal(out.BlobStatus.OK, &st) == nil && st.Type == "permanent" && st.EndEpoch == epoch+3 && !st.IsCertified, "blob status: %+v", out.BlobStatus)
	for _, c := range []struct {
		name     string
		o        tsOutcome
		expected string
		obj      *[32]byte
	}{{"permanent", out.Permanent, out.ExpectedPermanent, nil}, {"deletable", out.Deletable, out.ExpectedDeletable, &obj}} {
		var sm struct{ SerializedMessage, Signature string }
		err := json.Unmarshal(c.o.OK, &sm)
		want := confirmationMessage(epoch, id, c.obj)
		// The SDK keeps a confirmation only if its base64 message is
		// string-equal to the one it builds.
		check(err == nil && sm.SerializedMessage == c.expected, "%s confirmation %+v, SDK expects message %s", c.name, c.o, c.expected)
		check(c.expected == base64.StdEncoding.EncodeToString(want), "%s: SDK message %s, Go %x", c.name, c.expected, want)
		check(sm.Signature == base64.StdEncoding.EncodeToString(fakeSign(want)), "%s signature %s", c.name, sm.Signature)
	}
	check(isErr(out.DeletableWrong, "BlobNotRegisteredError", 400), "confirmation for another object: %+v", out.DeletableWrong)
	return bad, tsVector{BlobID: id.String(), Epoch: epoch, ObjectID: in.ObjectID, ExpectedPermanent: out.ExpectedPermanent,
		ExpectedDeletable: out.ExpectedDeletable, NotRegisteredErr: out.MetaUnregistered.Error, MissingSliversErr: out.ConfEarly.Error}
}

// TestCrossCheckLiveTSStorageNodeClient runs the StorageNodeClient of
// @mysten/walrus against chain-mode nodes with fresh random blobs, epochs
// and objects: every answer must be what the SDK accepts (or the error
// class it maps a refusal to), and the confirmation message string-equal
// to the one the SDK builds.
func TestCrossCheckLiveTSStorageNodeClient(t *testing.T) {
	dir := npmoracle.Dir(t)
	seed := uint64(time.Now().UnixNano())

	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x7715))
	const cases = 4
	mismatches := 0
	var vectors []tsVector
	for i := range cases {
		bad, v := tsCase(t, dir, rng)
		for _, b := range bad {
			t.Errorf("case %d: %s", i, b)
		}
		mismatches += len(bad)
		vectors = append(vectors, v)
	}
	t.Logf("%d cases, %d mismatches", cases, mismatches)
	if os.Getenv("WALRUSFS_UPDATE_VECTORS") == "1" && mismatches == 0 {
		b, _ := json.MarshalIndent(vectors, "", "  ")
		if err := os.WriteFile(filepath.FromSlash(vectorsFile), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTSNodeClientVectors checks the committed TS cases without node:
// the confirmation messages the SDK expects, and that the refusals it
// classified carry the reasons the node gives.
func TestTSNodeClientVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.FromSlash(vectorsFile))
	if err != nil {
		t.Fatal(err)
	}
	var vs []tsVector
	if err := json.Unmarshal(b, &vs); err != nil || len(vs) == 0 {
		t.Fatalf("%s: %v (%d vectors)", vectorsFile, err, len(vs))
	}
	for i, v := range vs {
		id, err := blobid.Parse(v.BlobID)
		if err != nil {
			t.Fatal(err)
		}
		ob, err := hex.DecodeString(v.ObjectID[2:])
		if err != nil || len(ob) != 32 {
			t.Fatalf("vector %d: object %q", i, v.ObjectID)
		}
		obj := [32]byte(ob)
		if got := base64.StdEncoding.EncodeToString(confirmationMessage(v.Epoch, id, nil)); got != v.ExpectedPermanent {
			t.Errorf("vector %d: permanent message %s, SDK %s", i, got, v.ExpectedPermanent)
		}
		if got := base64.StdEncoding.EncodeToString(confirmationMessage(v.Epoch, id, &obj)); got != v.ExpectedDeletable {
			t.Errorf("vector %d: deletable message %s, SDK %s", i, got, v.ExpectedDeletable)
		}
		if v.NotRegisteredErr != "BlobNotRegisteredError" || v.MissingSliversErr != "BadRequestError" {
			t.Errorf("vector %d: SDK error classes %q, %q", i, v.NotRegisteredErr, v.MissingSliversErr)
		}
	}
	// The SDK's rule (storage-node/error.mjs): a 400 whose
	// error.details[0].reason is NOT_REGISTERED is BlobNotRegisteredError.
	var env ErrorResponse
	rec := httptest.NewRecorder()
	writeError(rec, notRegistered(blobid.ID{1}))
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || rec.Code != 400 || len(env.Error.Details) == 0 || env.Error.Details[0].Reason != "NOT_REGISTERED" {
		t.Fatalf("NOT_REGISTERED answer: %d %s", rec.Code, rec.Body.Bytes())
	}
	if !bytes.Contains(rec.Body.Bytes(), []byte(`"@type":"ErrorInfo"`)) {
		t.Fatalf("NOT_REGISTERED answer without an ErrorInfo: %s", rec.Body.Bytes())
	}
}
