package chain

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/cloudflare/circl/ecc/bls12381"
	"github.com/walrusfs/walrusfs/devnet/ledger"
	"golang.org/x/crypto/blake2b"
)

// certErr is the test certificate checker's error, carrying the
// bls_aggregate abort code.
type certErr uint64

func (e certErr) Error() string     { return fmt.Sprintf("certificate rejected (code %d)", uint64(e)) }
func (e certErr) AbortCode() uint64 { return uint64(e) }
func testSig(msg []byte) []byte {
	h := blake2b.Sum256(append([]byte("test aggregate signature:"), msg...))
	return h[:]
}
func fullBitmap(n int) []byte {
	b := make([]byte, (n+7)/8)
	for i := range n {
		b[i/8] |= 1 << (i % 8)
	}
	return b
}

// checkCert follows bls_aggregate::verify_certificate_and_weight with a
// stand-in signature (testSig of the message).
func checkCert(members []CertMember, sig, bitmap, msg []byte) error {
	if len(bitmap) > (len(members)+7)/8 {
		return certErr(0)
	}
	total, weight := 0, 0
	for i, m := range members {
		total += m.Weight
		if i/8 < len(bitmap) && bitmap[i/8]>>(i%8)&1 == 1 {
			weight += m.Weight
		}
	}
	for i := len(members); i < len(bitmap)*8; i++ {
		if bitmap[i/8]>>(i%8)&1 == 1 {
			return certErr(0)
		}
	}
	if 3*weight < 2*total+1 {
		return certErr(2)
	}
	if string(sig) != string(testSig(msg)) {
		return certErr(1)
	}
	return nil
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Test network: 4 members over 10 shards, 1000/2000 FROST per unit.
const (
	testShards       = 10
	testStoragePrice = 1000
	testWritePrice   = 2000
)

func testMembers(t testing.TB) []Member {
	shards := [][]uint16{{0, 1, 2}, {3, 4, 5}, {6, 7}, {8, 9}}
	var ms []Member
	for i, sh := range shards {
		var k bls12381.Scalar
		k.SetUint64(uint64(1000 + i))
		var p bls12381.G1
		p.ScalarMult(&k, bls12381.G1Generator())
		ms = append(ms, Member{Name: fmt.Sprintf("node-%d", i), NetworkAddress: fmt.Sprintf("127.0.0.1:%d", 9000+i),
			PublicKey: p.BytesCompressed(), NetworkPublicKey: append([]byte{0}, make([]byte, 32)...), Shards: sh})
	}
	return ms
}

type harness struct {
	t    testing.TB
	dir  string
	clk  *clock
	opts Options
	c    *Chain
}

func newHarness(t testing.TB, mod func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clk: &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	h.opts = Options{NShards: testShards, Members: testMembers(t), StoragePricePerUnit: testStoragePrice,
		WritePricePerUnit: testWritePrice, EpochDuration: time.Hour, TotalCapacity: 1 << 40,
		CheckCertificate: checkCert, Clock: h.clk.Now}
	if mod != nil {
		mod(&h.opts) // a nil Clock means the real one
	}
	c, err := New(h.dir, h.opts)
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	return h
}

func (h *harness) reopen() {
	h.t.Helper()
	c, err := Open(h.dir, h.opts)
	if err != nil {
		h.t.Fatal(err)
	}
	h.c = c
}

type user struct {
	priv ed25519.PrivateKey
	addr string
}

func newUser(seed byte) *user {
	sd := make([]byte, 32)
	sd[0] = seed
	priv := ed25519.NewKeyFromSeed(sd)
	a := blake2b.Sum256(append([]byte{0}, priv.Public().(ed25519.PublicKey)...))
	return &user{priv: priv, addr: hexAddr(a[:])}
}

// sign serializes 0x00 ‖ sig ‖ pk over blake2b256(00 00 00 ‖ txData).
func (u *user) sign(txData []byte) []byte {
	d := blake2b.Sum256(append([]byte{0, 0, 0}, txData...))
	sig := ed25519.Sign(u.priv, d[:])
	return append(append([]byte{0}, sig...), u.priv.Public().(ed25519.PublicKey)...)
}

func (h *harness) fund(u *user, sui, wal uint64) {
	h.t.Helper()
	if err := h.c.Fund(u.addr, sui, wal); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) owned(u *user, typ string) []*ledger.Object {
	h.t.Helper()
	objs, err := h.c.OwnedObjects(context.Background(), u.addr, typ)
	if err != nil {
		h.t.Fatal(err)
	}
	return objs
}

func (h *harness) object(id string) *ledger.Object {
	h.t.Helper()
	objs, err := h.c.Objects(context.Background(), []string{id})
	if err != nil {
		h.t.Fatal(err)
	}
	return objs[0]
}

func (h *harness) balance(u *user, coinType string) uint64 {
	h.t.Helper()
	b, err := h.c.Balance(context.Background(), u.addr, coinType)
	if err != nil {
		h.t.Fatal(err)
	}
	return b.CoinBalance
}

func sdkRef(t testing.TB, o *ledger.Object) transaction.SuiObjectRef {
	r, err := transaction.NewSuiObjectRef(models.SuiAddress(o.ID), strconv.FormatUint(o.Version, 10), models.ObjectDigest(o.Digest))
	if err != nil {
		t.Fatal(err)
	}
	return *r
}

// ptb builds a transaction with the SDK as sui-transactions.md §2.2 says.
type ptb struct {
	h  *harness
	u  *user
	tx *transaction.Transaction
}

func (h *harness) newTx(u *user) *ptb {
	tx := transaction.NewTransaction()
	tx.SetSender(models.SuiAddress(u.addr))
	tx.SetGasOwner(models.SuiAddress(u.addr))
	tx.SetGasPrice(1000)
	tx.SetGasBudget(100_000_000)
	var pay []transaction.SuiObjectRef
	for _, o := range h.owned(u, suiCoinType) {
		pay = append(pay, sdkRef(h.t, o))
	}
	tx.SetGasPayment(pay)
	return &ptb{h: h, u: u, tx: tx}
}

func (p *ptb) system(mutable bool) transaction.Argument {
	id, _ := transaction.ConvertSuiAddressStringToBytes(models.SuiAddress(p.h.c.SystemObject().ID))
	return p.tx.Object(transaction.CallArg{Object: &transaction.ObjectArg{SharedObject: &transaction.SharedObjectRef{ObjectId: *id, InitialSharedVersion: 1, Mutable: mutable}}})
}

func (p *ptb) obj(o *ledger.Object) transaction.Argument {
	r := sdkRef(p.h.t, o)
	return p.tx.Object(transaction.CallArg{Object: &transaction.ObjectArg{ImmOrOwnedObject: &r}})
}

// wal returns the user's largest WAL coin as an input.
func (p *ptb) wal() transaction.Argument {
	coins := p.h.owned(p.u, "0x2::coin::Coin<"+p.h.c.WALType()+">")
	if len(coins) == 0 {
		p.h.t.Fatal("no WAL coin")
	}
	best := coins[0]
	for _, c := range coins {
		if c.Balance > best.Balance {
			best = c
		}
	}
	return p.obj(best)
}

func (p *ptb) call(module, fn string, args ...transaction.Argument) transaction.Argument {
	return p.tx.MoveCall(models.SuiAddress(p.h.c.PackageID()), module, fn, nil, args)
}

func (p *ptb) keep(objs ...transaction.Argument) {
	p.tx.TransferObjects(objs, p.tx.Pure(p.u.addr))
}

func (p *ptb) bytes() []byte {
	// BuildBCSBytes wants a signer object only to fill sender and gas
	// owner, which are set; Data.Marshal is what it then calls.
	b, err := p.tx.Data.Marshal()
	if err != nil {
		p.h.t.Fatal(err)
	}
	return b
}

func (p *ptb) exec() (*ledger.Result, error) {
	b := p.bytes()
	return p.h.c.Execute(context.Background(), b, [][]byte{p.u.sign(b)})
}

func (p *ptb) mustExec() *ledger.Result {
	p.h.t.Helper()
	r, err := p.exec()
	if err != nil {
		p.h.t.Fatal(err)
	}
	if !r.Success {
		p.h.t.Fatalf("transaction failed: %s", r.Error)
	}
	return r
}

// blobFor returns a blob ID and root for size: blake2b256(0x01 ‖ u64 LE
// size ‖ root), walrus-protocol.md §2.4.
func blobFor(seed byte, size uint64) (id, root [32]byte) {
	root = blake2b.Sum256([]byte{seed})
	id = blake2b.Sum256(append(binary.LittleEndian.AppendUint64([]byte{1}, size), root[:]...))
	return id, root
}

// certMsg is a BLOB_CERT StorageConfirmation message: 01 00 03 ‖ epoch ‖
// blob_id ‖ Permanent(0) | Deletable(1) ‖ object ID.
func certMsg(epoch uint32, id [32]byte, objectID string) []byte {
	m := binary.LittleEndian.AppendUint32([]byte{1, 0, 3}, epoch)
	m = append(m, id[:]...)
	if objectID == "" {
		return append(m, 0)
	}
	return append(append(m, 1), addrBytes(objectID)...)
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
