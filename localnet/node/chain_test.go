package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
)

// fakeRegistry is a chain whose registrations tests set.
type fakeRegistry struct {
	mu    sync.Mutex
	epoch uint32
	regs  map[blobid.ID]Registration
	err   error
	calls int
}

func newRegistry(epoch uint32) *fakeRegistry {
	return &fakeRegistry{epoch: epoch, regs: map[blobid.ID]Registration{}}
}

func (r *fakeRegistry) Registered(ctx context.Context, id blobid.ID) (Registration, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return Registration{}, false, r.err
	}
	reg, ok := r.regs[id]
	return reg, ok, nil
}

func (r *fakeRegistry) Epoch() uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.epoch
}

func (r *fakeRegistry) set(id blobid.ID, reg Registration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.regs[id] = reg
}

func (r *fakeRegistry) setEpoch(e uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.epoch = e
}

// confirmationMessage is the BCS ProtocolMessage of a storage
// confirmation (walrus-protocol.md §4.4), built independently of the
// node.
func confirmationMessage(epoch uint32, id blobid.ID, obj *[32]byte) []byte {
	m := []byte{1, 0, 3}
	m = binary.LittleEndian.AppendUint32(m, epoch)
	m = append(m, id[:]...)
	if obj == nil {
		return append(m, 0)
	}
	return append(append(m, 1), obj[:]...)
}

// fakeSign is a stand-in for a BLS signature: 96 bytes determined by the
// message.
func fakeSign(msg []byte) []byte {
	a := sha512.Sum512(msg)
	b := sha256.Sum256(msg)
	return append(a[:], b[:]...)
}

var testConfirmer = ConfirmerFunc(func(epoch uint32, id blobid.ID, obj *[32]byte) ([]byte, []byte, error) {
	msg := confirmationMessage(epoch, id, obj)
	return msg, fakeSign(msg), nil
})

// wantReason checks a Walrus error answer with its reason.
func wantReason(t *testing.T, what string, code int, body []byte, wantCode int, reason string) {
	t.Helper()
	wantError(t, what, code, body, wantCode)
	var e ErrorResponse
	json.Unmarshal(body, &e)
	if e.Reason() != reason {
		t.Fatalf("%s: reason %q, want %q (%s)", what, e.Reason(), reason, body)
	}
	if d := e.Error.Details[0]; d.Type != "ErrorInfo" || d.Domain != "storage.walrus.space" || d.Metadata == nil {
		t.Fatalf("%s: detail %+v is not a Walrus ErrorInfo", what, d)
	}
}

func wantOK(t *testing.T, what string, code int, body []byte, wantCode int) {
	t.Helper()
	if code != wantCode {
		t.Fatalf("%s: HTTP %d (%s), want %d", what, code, body, wantCode)
	}
	var env SuccessResponse[json.RawMessage]
	if err := json.Unmarshal(body, &env); err != nil || env.Success.Code != wantCode {
		t.Fatalf("%s: body %s is not a success envelope with code %d", what, body, wantCode)
	}
}

func (f *fixture) base() string { return "/v1/blobs/" + f.id.String() }

func (f *fixture) putSliver(pair, ti int, query string) (int, []byte) {
	f.t.Helper()
	return f.do("PUT", f.sliverURL(pair, []string{"primary", "secondary"}[ti])+query, bcs, f.slvs[[2]int{pair, ti}])
}

// ownedPairs are the pairs of the fixture's blob on the node's shards.
func (f *fixture) ownedPairs() []int {
	var out []int
	for _, k := range f.node.Shards() {
		out = append(out, rs2.ShardPair(f.id, k, 10))
	}
	return out
}

func (f *fixture) confirmation(suffix string) (int, []byte) {
	f.t.Helper()
	return f.do("GET", f.base()+"/confirmation/"+suffix, "", nil)
}

// decodeConfirmation decodes a confirmation answer as the TS SDK does.
func decodeConfirmation(t *testing.T, body []byte) (msg, sig []byte) {
	t.Helper()
	var env SuccessResponse[SignedMessage]
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("confirmation %s: %v", body, err)
	}
	msg, err1 := base64.StdEncoding.DecodeString(env.Success.Data.Signed.SerializedMessage)
	sig, err2 := base64.StdEncoding.DecodeString(env.Success.Data.Signed.Signature)
	if err1 != nil || err2 != nil || env.Success.Code != 200 {
		t.Fatalf("confirmation %s: not standard base64 in a success envelope", body)
	}
	return msg, sig
}

func chainFixture(t *testing.T, reg *fakeRegistry, mod func(*Options)) *fixture {
	o := Options{Registry: reg, Confirmer: testConfirmer, NoSync: true}
	if mod != nil {
		mod(&o)
	}
	return newFixtureOpts(t, o)
}

// storeAll PUTs the metadata and every owned sliver (registered blob).
func (f *fixture) storeAll(query string, wantCode int) {
	f.t.Helper()
	code, body := f.do("PUT", f.base()+"/metadata"+query, bcs, f.meta.MarshalBCS())
	wantOK(f.t, "PUT metadata", code, body, wantCode)
	for _, p := range f.ownedPairs() {
		for ti := range 2 {
			code, body := f.putSliver(p, ti, query)
			wantOK(f.t, fmt.Sprintf("PUT sliver %d/%d", p, ti), code, body, wantCode)
		}
	}
}

func TestChainRegistrationGating(t *testing.T) {
	reg := newRegistry(5)
	f := chainFixture(t, reg, nil)
	meta := f.meta.MarshalBCS()

	code, body := f.do("PUT", f.base()+"/metadata", bcs, meta)
	wantReason(t, "metadata of an unregistered blob", code, body, 400, "NOT_REGISTERED")
	if !strings.Contains(string(body), `"status":"FAILED_PRECONDITION"`) {
		t.Fatalf("status of NOT_REGISTERED: %s", body)
	}
	code, body = f.putSliver(f.owned, 0, "")
	wantReason(t, "sliver of an unregistered blob", code, body, 400, "NOT_REGISTERED")
	code, body = f.do("PUT", f.base()+"/metadata", bcs, []byte{1, 2, 3})
	wantReason(t, "garbage metadata", code, body, 400, "INVALID_METADATA")

	// Expired: EndEpoch is the first epoch without storage.
	reg.set(f.id, Registration{Permanent: true, EndEpoch: 5, ObjectIDs: [][32]byte{{7}}})
	code, body = f.do("PUT", f.base()+"/metadata", bcs, meta)
	wantReason(t, "metadata of an expired blob", code, body, 400, "NOT_REGISTERED")
	code, body = f.do("GET", f.base()+"/status", "", nil)
	if code != 200 || !strings.Contains(string(body), `"data":"nonexistent"`) {
		t.Fatalf("status of an expired blob: %d %s", code, body)
	}

	reg.set(f.id, Registration{Permanent: true, EndEpoch: 6, ObjectIDs: [][32]byte{{7}}})
	code, body = f.do("PUT", f.base()+"/metadata", bcs, meta)
	wantOK(t, "metadata of a registered blob", code, body, 201)
	code, body = f.do("PUT", f.base()+"/metadata", bcs, meta)
	wantOK(t, "metadata again", code, body, 200)
	code, body = f.putSliver(f.owned, 0, "")
	wantOK(t, "sliver of a registered blob", code, body, 201)
	code, body = f.putSliver(f.other, 0, "")
	wantReason(t, "sliver of a shard not held", code, body, 400, "SHARD_NOT_ASSIGNED")
	bad := bytes.Clone(f.slvs[[2]int{f.owned, 1}])
	bad[10] ^= 1
	code, body = f.do("PUT", f.sliverURL(f.owned, "secondary"), bcs, bad)
	wantReason(t, "corrupt sliver", code, body, 400, "INVALID_SLIVER")
	code, body = f.do("PUT", f.sliverURL(f.owned, "primary"), bcs, f.slvs[[2]int{f.other, 0}])
	wantReason(t, "sliver of another pair", code, body, 400, "SLIVER_INDEX_MISMATCH")

	code, body = f.do("GET", f.base()+"/status", "", nil)
	var st SuccessResponse[struct {
		Permanent *struct {
			EndEpoch        uint32         `json:"endEpoch"`
			IsCertified     bool           `json:"isCertified"`
			DeletableCounts map[string]int `json:"deletableCounts"`
		} `json:"permanent"`
	}]
	if code != 200 || json.Unmarshal(body, &st) != nil || st.Success.Data.Permanent == nil ||
		st.Success.Data.Permanent.EndEpoch != 6 || st.Success.Data.Permanent.IsCertified {
		t.Fatalf("status of a registered blob: %d %s", code, body)
	}
	reg.set(f.id, Registration{Permanent: true, EndEpoch: 6, Certified: true, CertifiedEpoch: 5, ObjectIDs: [][32]byte{{7}}})
	_, body = f.do("GET", f.base()+"/status", "", nil)
	if !strings.Contains(string(body), `"isCertified":true`) || !strings.Contains(string(body), `"initialCertifiedEpoch":5`) {
		t.Fatalf("status of a certified blob: %s", body)
	}
	reg.set(f.id, Registration{Deletable: true, EndEpoch: 6, ObjectIDs: [][32]byte{{7}, {8}}})
	_, body = f.do("GET", f.base()+"/status", "", nil)
	if !strings.Contains(string(body), `{"deletable":{"deletableCounts":{"count_deletable_certified":0,"count_deletable_total":2},"initialCertifiedEpoch":null}}`) {
		t.Fatalf("status of a deletable blob: %s", body)
	}

	// The epoch moves past the end: uploads are refused again.
	reg.setEpoch(6)
	code, body = f.putSliver(f.owned, 1, "")
	wantReason(t, "sliver after expiry", code, body, 400, "NOT_REGISTERED")

	// A failing registry is 503, not a refusal.
	reg.mu.Lock()
	reg.err = errors.New("rpc down")
	reg.mu.Unlock()
	code, body = f.putSliver(f.owned, 1, "")
	wantReason(t, "registry down", code, body, 503, "UNAVAILABLE")
}

func TestChainHealth(t *testing.T) {
	pk := bytes.Repeat([]byte{0xab}, 48)
	f := chainFixture(t, newRegistry(17), func(o *Options) { o.PublicKey = pk })
	code, body := f.do("GET", "/v1/health", "", nil)
	var h SuccessResponse[Health]
	if code != 200 || json.Unmarshal(body, &h) != nil || h.Success.Data.Epoch != 17 ||
		h.Success.Data.PublicKey != base64.StdEncoding.EncodeToString(pk) {
		t.Fatalf("health: %d %s", code, body)
	}
	if d := h.Success.Data; d.ShardSummary == nil || d.ShardSummary.Owned != 5 || d.ShardSummary.OwnedShardStatus.Ready != 5 || d.Uptime == nil || d.EventProgress == nil {
		t.Fatalf("health lacks the Walrus fields: %s", body)
	}
	// Without a chain: no epoch, key or Walrus extras.
	e := newFixture(t)
	_, body = e.do("GET", "/v1/health", "", nil)
	if strings.Contains(string(body), "uptime") || !strings.Contains(string(body), `"epoch":0`) || !strings.Contains(string(body), `"publicKey":""`) {
		t.Fatalf("embedded health: %s", body)
	}
}

func TestChainPendingThenRegistration(t *testing.T) {
	reg := newRegistry(1)
	f := chainFixture(t, reg, nil)

	// A sliver cannot be buffered before the metadata.
	code, body := f.putSliver(f.owned, 0, "?pending=true")
	wantReason(t, "pending sliver before metadata", code, body, 400, "METADATA_NOT_FOUND")
	code, body = f.do("PUT", f.base()+"/metadata?pending=maybe", bcs, f.meta.MarshalBCS())
	wantError(t, "pending=maybe", code, body, 400)

	f.storeAll("?pending=true", 202)
	code, body = f.do("PUT", f.base()+"/metadata?pending=true", bcs, f.meta.MarshalBCS())
	wantOK(t, "metadata buffered again", code, body, 200)
	code, body = f.putSliver(f.owned, 0, "?pending=true")
	wantOK(t, "sliver buffered again", code, body, 200)
	bad := bytes.Clone(f.slvs[[2]int{f.owned, 0}])
	bad[10] ^= 1
	code, body = f.do("PUT", f.sliverURL(f.owned, "primary")+"?pending=true", bcs, bad)
	wantReason(t, "corrupt pending sliver", code, body, 400, "INVALID_SLIVER")
	code, body = f.putSliver(f.owned, 0, "")
	wantReason(t, "sliver without pending=true", code, body, 400, "NOT_REGISTERED")

	// Buffered, not stored: as Walrus, metadata status does not report
	// buffered metadata, sliver status reports "buffered".
	_, body = f.do("GET", f.base()+"/metadata/status", "", nil)
	if !strings.Contains(string(body), `"nonexistent"`) {
		t.Fatalf("metadata status while buffered: %s", body)
	}
	_, body = f.do("GET", f.sliverURL(f.owned, "primary")+"/status", "", nil)
	if !strings.Contains(string(body), `"buffered"`) {
		t.Fatalf("sliver status while buffered: %s", body)
	}
	if _, err := os.Stat(f.node.metaPath(f.id)); !os.IsNotExist(err) {
		t.Fatalf("buffered metadata is on disk: %v", err)
	}
	code, body = f.confirmation("permanent")
	wantReason(t, "confirmation before registration", code, body, 400, "NOT_REGISTERED")
	if n, b := f.node.chain.pend.usage(); n != 1 || b == 0 {
		t.Fatalf("buffer holds %d blobs, %d bytes", n, b)
	}

	// The registration appears: the next request naming the blob writes
	// the buffer out.
	reg.set(f.id, Registration{Permanent: true, EndEpoch: 3, ObjectIDs: [][32]byte{{1}}})
	_, body = f.do("GET", f.sliverURL(f.owned, "primary")+"/status", "", nil)
	if !strings.Contains(string(body), `"stored"`) {
		t.Fatalf("sliver status after registration: %s", body)
	}
	if ok, what, err := f.node.FullyStored(f.id); !ok || err != nil {
		t.Fatalf("not fully stored after the flush: %s %v", what, err)
	}
	if n, b := f.node.chain.pend.usage(); n != 0 || b != 0 {
		t.Fatalf("buffer holds %d blobs, %d bytes after the flush", n, b)
	}
	code, body = f.confirmation("permanent")
	wantOK(t, "confirmation after the flush", code, body, 200)
}

// TestChainPendingPoll: a serving node writes a buffered upload out when
// the registration appears, without any further request.
func TestChainPendingPoll(t *testing.T) {
	reg := newRegistry(1)
	f := chainFixture(t, reg, func(o *Options) { o.PollInterval = 10 * time.Millisecond })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.node.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	f.srv.Close()
	f.srv = &httptest.Server{URL: "http://" + ln.Addr().String()}

	f.storeAll("?pending=true", 202)
	reg.mu.Lock()
	before := reg.calls
	reg.mu.Unlock()
	reg.set(f.id, Registration{Permanent: true, EndEpoch: 3})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ok, _, _ := f.node.FullyStored(f.id); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("buffered upload not written 5 s after the registration")
		}
		time.Sleep(5 * time.Millisecond)
	}
	reg.mu.Lock()
	if reg.calls == before {
		t.Error("written without asking the registry")
	}
	reg.mu.Unlock()
}

func TestChainPendingLimits(t *testing.T) {
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	reg := newRegistry(1)
	f := chainFixture(t, reg, func(o *Options) {
		o.Now = clock
		o.Pending = PendingLimits{TTL: time.Minute, MaxBlobs: 1, MaxSliverBytes: 100}
	})
	code, body := f.do("PUT", f.base()+"/metadata?pending=true", bcs, f.meta.MarshalBCS())
	wantOK(t, "metadata buffered", code, body, 202)
	code, body = f.putSliver(f.owned, 0, "?pending=true")
	wantReason(t, "sliver over MaxSliverBytes", code, body, 400, "SLIVER_TOO_LARGE")

	// A second blob does not fit in a buffer of one blob.
	enc, _ := rs2.NewEncoder(10)
	m2, err := enc.Encode([]byte("another blob"), func(*rs2.Sliver) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	code, body = f.do("PUT", "/v1/blobs/"+m2.BlobID().String()+"/metadata?pending=true", bcs, m2.MarshalBCS())
	wantReason(t, "second blob in a full buffer", code, body, 400, "CACHE_SATURATED")

	// After the TTL the buffered blob is gone: its registration then
	// finds nothing to write, and the other blob fits.
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	reg.set(f.id, Registration{Permanent: true, EndEpoch: 3})
	_, body = f.do("GET", f.base()+"/metadata/status", "", nil)
	if !strings.Contains(string(body), `"nonexistent"`) {
		t.Fatalf("metadata status after the TTL: %s", body)
	}
	code, body = f.do("PUT", "/v1/blobs/"+m2.BlobID().String()+"/metadata?pending=true", bcs, m2.MarshalBCS())
	wantOK(t, "second blob after the TTL", code, body, 202)
	// DELETE (walrusfs extension) drops a buffered blob too.
	code, body = f.do("DELETE", "/v1/blobs/"+m2.BlobID().String(), "", nil)
	wantOK(t, "DELETE of a buffered blob", code, body, 200)
	if n, b := f.node.chain.pend.usage(); n != 0 || b != 0 {
		t.Fatalf("buffer holds %d blobs, %d bytes after DELETE", n, b)
	}
}

// TestChainConfirmationNeedsAllShards stores the slivers one by one: the
// node refuses to sign until the last one of its shards is stored.
func TestChainConfirmationNeedsAllShards(t *testing.T) {
	reg := newRegistry(4)
	f := chainFixture(t, reg, nil)
	reg.set(f.id, Registration{Permanent: true, EndEpoch: 9, ObjectIDs: [][32]byte{{9}}})
	code, body := f.confirmation("permanent")
	wantReason(t, "confirmation without metadata", code, body, 400, "MISSING_SLIVERS")
	f.putMeta()
	pairs := f.ownedPairs()
	for _, p := range pairs {
		for ti := range 2 {
			code, body := f.confirmation("permanent")
			wantReason(t, fmt.Sprintf("confirmation before sliver %d/%d", p, ti), code, body, 400, "MISSING_SLIVERS")
			code, body = f.putSliver(p, ti, "")
			wantOK(t, "PUT sliver", code, body, 201)
		}
	}
	code, body = f.confirmation("permanent")
	wantOK(t, "confirmation", code, body, 200)
	msg, sig := decodeConfirmation(t, body)
	if want := confirmationMessage(4, f.id, nil); !bytes.Equal(msg, want) || !bytes.Equal(sig, fakeSign(want)) {
		t.Fatalf("message %x, want %x", msg, want)
	}
	// The epoch in the message is the registry's current one.
	reg.setEpoch(7)
	_, body = f.confirmation("permanent")
	if msg, _ := decodeConfirmation(t, body); !bytes.Equal(msg, confirmationMessage(7, f.id, nil)) || binary.LittleEndian.Uint32(msg[3:7]) != 7 {
		t.Fatalf("message in epoch 7: %x", msg)
	}
	// A lost sliver file takes the confirmation away again.
	shard := rs2.PairShard(f.id, pairs[2], 10)
	if err := os.Remove(f.node.sliverPath(f.id, shard, rs2.Secondary)); err != nil {
		t.Fatal(err)
	}
	code, body = f.confirmation("permanent")
	wantReason(t, "confirmation after losing a sliver", code, body, 400, "MISSING_SLIVERS")
}

func TestChainConfirmationKinds(t *testing.T) {
	reg := newRegistry(2)
	f := chainFixture(t, reg, nil)
	obj := [32]byte{31: 2}
	reg.set(f.id, Registration{Deletable: true, EndEpoch: 9, ObjectIDs: [][32]byte{{5}, obj}})
	f.storeAll("", 201)

	for _, s := range []string{"0x2", "0x" + strings.Repeat("0", 63) + "2", strings.Repeat("0", 63) + "2", "0X02"} {
		code, body := f.confirmation("deletable/" + s)
		wantOK(t, "deletable confirmation "+s, code, body, 200)
		if msg, _ := decodeConfirmation(t, body); !bytes.Equal(msg, confirmationMessage(2, f.id, &obj)) {
			t.Fatalf("deletable message %x", msg)
		}
	}
	code, body := f.confirmation("deletable/0x3")
	wantReason(t, "object not registered", code, body, 400, "NOT_REGISTERED")
	for _, s := range []string{"0x", "xyz", "0x" + strings.Repeat("1", 65), "12"} {
		code, body := f.confirmation("deletable/" + s)
		wantError(t, "malformed object "+s, code, body, 400)
	}
	// As Walrus: the permanent endpoint checks the blob ID only.
	code, body = f.confirmation("permanent")
	wantOK(t, "permanent confirmation of a deletable blob", code, body, 200)
	if msg, _ := decodeConfirmation(t, body); !bytes.Equal(msg, confirmationMessage(2, f.id, nil)) {
		t.Fatalf("permanent message %x", msg)
	}
	code, body = f.do("GET", "/v1/blobs/"+blobid.ID{1}.String()+"/confirmation/permanent", "", nil)
	wantReason(t, "confirmation of an unknown blob", code, body, 400, "NOT_REGISTERED")
	code, body = f.do("GET", "/v1/blobs/zzz/confirmation/permanent", "", nil)
	wantError(t, "malformed blob ID", code, body, 400)
}

func TestChainConfirmationNoSigner(t *testing.T) {
	reg := newRegistry(2)
	f := chainFixture(t, reg, func(o *Options) { o.Confirmer = nil })
	reg.set(f.id, Registration{Permanent: true, EndEpoch: 9})
	f.storeAll("", 201)
	code, body := f.confirmation("permanent")
	wantError(t, "no confirmer", code, body, 500)

	f = chainFixture(t, reg, func(o *Options) {
		o.Confirmer = ConfirmerFunc(func(uint32, blobid.ID, *[32]byte) ([]byte, []byte, error) {
			return nil, nil, errors.New("key unavailable")
		})
	})
	reg.set(f.id, Registration{Permanent: true, EndEpoch: 9})
	f.storeAll("", 201)
	code, body = f.confirmation("permanent")
	wantError(t, "failing confirmer", code, body, 500)

	// The embedded mode has no confirmation endpoint.
	f = newFixture(t)
	code, body = f.confirmation("permanent")
	wantError(t, "embedded node", code, body, 404)
}

func TestChainConfirmationLongPoll(t *testing.T) {
	reg := newRegistry(3)
	f := chainFixture(t, reg, func(o *Options) { o.PollInterval = 10 * time.Millisecond })

	// Nothing buffered: no wait, as Walrus.
	start := time.Now()
	code, body := f.confirmation("permanent?wait_for_registration=true&wait_millis=3000")
	wantReason(t, "long poll without buffered data", code, body, 400, "NOT_REGISTERED")
	if el := time.Since(start); el > time.Second {
		t.Fatalf("waited %v for a blob with nothing buffered", el)
	}
	for _, q := range []string{"wait_for_registration=yes", "wait_for_registration=true&wait_millis=-1", "wait_millis=x"} {
		code, body := f.confirmation("permanent?" + q)
		wantError(t, q, code, body, 400)
	}

	f.storeAll("?pending=true", 202)
	// Times out when the registration does not come.
	start = time.Now()
	code, body = f.confirmation("permanent?wait_for_registration=true&wait_millis=100")
	wantReason(t, "long poll timing out", code, body, 400, "NOT_REGISTERED")
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Fatalf("answered after %v, before wait_millis", el)
	}
	// Answers once it comes.
	go func() {
		time.Sleep(150 * time.Millisecond)
		reg.set(f.id, Registration{Permanent: true, EndEpoch: 5})
	}()
	code, body = f.confirmation("permanent?wait_for_registration=true&wait_millis=4000")
	wantOK(t, "long poll", code, body, 200)
	if msg, _ := decodeConfirmation(t, body); !bytes.Equal(msg, confirmationMessage(3, f.id, nil)) {
		t.Fatalf("message %x", msg)
	}
}

func TestFaultyConfirmers(t *testing.T) {
	id := blobid.ID{4}
	msg, sig, _ := testConfirmer.Confirm(3, id, nil)
	gmsg, gsig, err := GarbageConfirmer(testConfirmer).Confirm(3, id, nil)
	if err != nil || !bytes.Equal(gmsg, msg) || len(gsig) != len(sig) || bytes.Equal(gsig, sig) {
		t.Fatalf("garbage confirmer: %x %x %v", gmsg, gsig, err)
	}
	for i := range sig {
		if gsig[i] == sig[i] {
			t.Fatalf("garbage signature keeps byte %d", i)
		}
	}
	wmsg, _, err := WrongEpochConfirmer(testConfirmer).Confirm(3, id, nil)
	if err != nil || !bytes.Equal(wmsg, confirmationMessage(4, id, nil)) {
		t.Fatalf("wrong-epoch confirmer: %x %v", wmsg, err)
	}
	failing := ConfirmerFunc(func(uint32, blobid.ID, *[32]byte) ([]byte, []byte, error) { return nil, nil, errors.New("x") })
	if _, _, err := GarbageConfirmer(failing).Confirm(1, id, nil); err == nil {
		t.Fatal("garbage confirmer hid an error")
	}

	// Served by a node: the answer carries the garbage.
	reg := newRegistry(3)
	f := chainFixture(t, reg, func(o *Options) { o.Confirmer = GarbageConfirmer(testConfirmer) })
	reg.set(f.id, Registration{Permanent: true, EndEpoch: 5})
	f.storeAll("", 201)
	code, body := f.confirmation("permanent")
	wantOK(t, "garbage confirmation", code, body, 200)
	m, s := decodeConfirmation(t, body)
	if !bytes.Equal(m, confirmationMessage(3, f.id, nil)) || bytes.Equal(s, fakeSign(m)) || len(s) != 96 {
		t.Fatalf("garbage node answered %x / %x", m, s)
	}
}

// TestChainFlushConcurrent: requests racing with the registration and
// the poll all see the buffered upload written exactly once, and a
// confirmation never misses a sliver that was buffered.
func TestChainFlushConcurrent(t *testing.T) {
	reg := newRegistry(1)
	f := chainFixture(t, reg, func(o *Options) { o.PollInterval = time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.node.pollPending(ctx)
	f.storeAll("?pending=true", 202)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 30 {
				if g == 0 && i == 5 {
					reg.set(f.id, Registration{Permanent: true, EndEpoch: 3})
				}
				code, body := f.confirmation("permanent")
				var e ErrorResponse
				switch {
				case code == 200:
				case json.Unmarshal(body, &e) == nil && e.Reason() == "NOT_REGISTERED":
				default:
					errs <- fmt.Sprintf("confirmation: %d %s", code, body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	code, body := f.confirmation("permanent")
	wantOK(t, "confirmation at the end", code, body, 200)
}
