package suitx

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/mr-tron/base58"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/sui"
)

// A testCase is one transaction as the oracle script (testdata/oracle.mjs)
// and the vectors file hold it: the inputs of a builder call, and the
// TypeScript SDK's bytes, digest and signatures of the result.

type hexBytes []byte

func (h hexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }
func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

type refJSON struct {
	ID      string `json:"id"`
	Version uint64 `json:"version,string"`
	Digest  string `json:"digest"`
}

func (r refJSON) ref() sui.ObjectRef {
	return sui.ObjectRef{ID: r.ID, Version: r.Version, Digest: r.Digest}
}

func refs(rs []refJSON) []sui.ObjectRef {
	out := make([]sui.ObjectRef, len(rs))
	for i, r := range rs {
		out[i] = r.ref()
	}
	return out
}

type gasJSON struct {
	Owner   string    `json:"owner,omitempty"`
	Payment []refJSON `json:"payment"`
	Price   uint64    `json:"price,string"`
	Budget  uint64    `json:"budget,string"`
}

type walrusJSON struct {
	Package string `json:"package"`
	System  struct {
		ID             string `json:"id"`
		InitialVersion uint64 `json:"initialVersion,string"`
	} `json:"system"`
}

type newBlobJSON struct {
	BlobID      hexBytes   `json:"blobId"`
	Root        hexBytes   `json:"root"`
	Size        uint64     `json:"size,string"`
	EncodedSize uint64     `json:"encodedSize,string"`
	Deletable   bool       `json:"deletable"`
	Storage     *refJSON   `json:"storage,omitempty"`
	Pool        int        `json:"pool,omitempty"` // 1 + index in registerJSON.Pools
	Take        uint64     `json:"take,omitempty,string"`
	Attributes  []attrJSON `json:"attributes,omitempty"`
}

type attrJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func attrs(as []attrJSON) []Attribute {
	var out []Attribute
	for _, a := range as {
		out = append(out, Attribute(a))
	}
	return out
}

type setAttributesJSON struct {
	Blob   refJSON    `json:"blob"`
	Set    []attrJSON `json:"set"`
	Remove []string   `json:"remove"`
}

type poolJSON struct {
	Objects []refJSON `json:"objects"`
	Size    uint64    `json:"size,string"`
}

type registerJSON struct {
	WAL    []refJSON     `json:"wal"`
	Epochs uint32        `json:"epochs"`
	Blobs  []newBlobJSON `json:"blobs"`
	Pools  []poolJSON    `json:"pools,omitempty"`
	Owner  string        `json:"owner,omitempty"`
}

type certifyJSON struct {
	Blob      refJSON  `json:"blob"`
	Signature hexBytes `json:"signature"`
	Bitmap    hexBytes `json:"bitmap"`
	// Message is what Go builds from Confirmation; the oracle serialises
	// Confirmation with @mysten/walrus's StorageConfirmation instead, so
	// equal transactions also prove equal messages.
	Message      hexBytes         `json:"message"`
	Confirmation confirmationJSON `json:"confirmation"`
}

type confirmationJSON struct {
	Epoch  uint32   `json:"epoch"`
	BlobID hexBytes `json:"blobId"`
	Object string   `json:"object,omitempty"` // the Blob object of a deletable blob
}

// message is the certified-blob message: intent (BLOB_CERT, version 0,
// Walrus), epoch u32, blob ID, persistence (0 permanent; 1 deletable and
// the Blob object ID).
func (c confirmationJSON) message() []byte {
	m := binary.LittleEndian.AppendUint32([]byte{1, 0, 3}, c.Epoch)
	m = append(m, c.BlobID...)
	if c.Object == "" {
		return append(m, 0)
	}
	id, err := sui.NormalizeAddress(c.Object)
	if err != nil {
		panic(err)
	}
	obj, _ := hex.DecodeString(id[2:])
	return append(append(m, 1), obj...)
}

type extendJSON struct {
	WAL   []refJSON `json:"wal"`
	Blobs []struct {
		Blob   refJSON `json:"blob"`
		Epochs uint32  `json:"epochs"`
	} `json:"blobs"`
}

type deleteJSON struct {
	Blobs []refJSON `json:"blobs"`
	Owner string    `json:"owner,omitempty"`
}

type transferJSON struct {
	Objects   []refJSON `json:"objects"`
	Recipient string    `json:"recipient"`
}

type testCase struct {
	Name     string             `json:"name"`
	Shape    string             `json:"shape"`
	Sender   string             `json:"sender"`
	Gas      gasJSON            `json:"gas"`
	Walrus   walrusJSON         `json:"walrus"`
	Register *registerJSON      `json:"register,omitempty"`
	Certify  []certifyJSON      `json:"certify,omitempty"`
	Extend   *extendJSON        `json:"extend,omitempty"`
	Delete   *deleteJSON        `json:"delete,omitempty"`
	Burn     []refJSON          `json:"burn,omitempty"`
	Merge    []refJSON          `json:"merge,omitempty"`
	Transfer *transferJSON      `json:"transfer,omitempty"`
	SetAttrs *setAttributesJSON `json:"setAttributes,omitempty"`

	// From the TypeScript SDK.
	Tx         string            `json:"tx,omitempty"` // base64 TransactionData
	Digest     string            `json:"digest,omitempty"`
	Signatures map[string]string `json:"signatures,omitempty"` // scheme -> base64 serialized signature
}

// shapes are all the transaction shapes the package builds.
var shapes = []string{"register", "register-pool", "certify", "extend", "delete", "burn", "merge", "transfer", "register-attrs", "set-attributes"}

func (c *testCase) walrus() Walrus {
	return Walrus{Package: c.Walrus.Package, System: sui.SharedObject{ID: c.Walrus.System.ID, InitialVersion: c.Walrus.System.InitialVersion}}
}

func (c *testCase) gas() Gas {
	return Gas{Owner: c.Gas.Owner, Payment: refs(c.Gas.Payment), Price: c.Gas.Price, Budget: c.Gas.Budget}
}

// build runs the Go builder for the case.
func (c *testCase) build() ([]byte, error) {
	w, g := c.walrus(), c.gas()
	switch c.Shape {
	case "register", "register-pool", "register-attrs":
		r := Register{WAL: refs(c.Register.WAL), Epochs: c.Register.Epochs, Owner: c.Register.Owner}
		for _, p := range c.Register.Pools {
			r.Pools = append(r.Pools, StoragePool{Objects: refs(p.Objects), Size: p.Size})
		}
		for _, nb := range c.Register.Blobs {
			b := NewBlob{BlobID: blobid.ID(nb.BlobID), Root: [32]byte(nb.Root), Size: nb.Size, EncodedSize: nb.EncodedSize, Deletable: nb.Deletable,
				Pool: nb.Pool, Take: nb.Take, Attributes: attrs(nb.Attributes)}
			if nb.Storage != nil {
				s := nb.Storage.ref()
				b.Storage = &s
			}
			r.Blobs = append(r.Blobs, b)
		}
		return w.Register(c.Sender, g, r)
	case "certify":
		var cs []Certify
		for _, ct := range c.Certify {
			cs = append(cs, Certify{Blob: ct.Blob.ref(), Signature: ct.Signature, Bitmap: ct.Bitmap, Message: ct.Message})
		}
		return w.Certify(c.Sender, g, cs)
	case "extend":
		var es []Extend
		for _, e := range c.Extend.Blobs {
			es = append(es, Extend{Blob: e.Blob.ref(), Epochs: e.Epochs})
		}
		return w.Extend(c.Sender, g, refs(c.Extend.WAL), es)
	case "delete":
		return w.Delete(c.Sender, g, refs(c.Delete.Blobs), c.Delete.Owner)
	case "burn":
		return w.Burn(c.Sender, g, refs(c.Burn))
	case "merge":
		return MergeWAL(c.Sender, g, refs(c.Merge))
	case "transfer":
		return Transfer(c.Sender, g, refs(c.Transfer.Objects), c.Transfer.Recipient)
	case "set-attributes":
		return w.SetAttributes(c.Sender, g, c.SetAttrs.Blob.ref(), attrs(c.SetAttrs.Set), c.SetAttrs.Remove)
	}
	return nil, fmt.Errorf("unknown shape %q", c.Shape)
}

// gen draws random inputs. Object IDs are fresh for every object, so a
// case never uses one object twice.
type gen struct{ r *rand.Rand }

func (g gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.UintN(256))
	}
	return b
}

// address returns a random address, sometimes in a form that has to be
// normalised (upper case, leading zeros dropped).
func (g gen) address() string {
	b := g.bytes(32)
	switch g.r.IntN(8) {
	case 0:
		return "0x" + strings.ToUpper(hex.EncodeToString(b))
	case 1:
		b[0], b[1] = 0, 0
		return "0x" + strings.TrimLeft(hex.EncodeToString(b), "0")
	}
	return "0x" + hex.EncodeToString(b)
}

// u64 returns a value of random magnitude, including the extremes.
func (g gen) u64() uint64 {
	switch g.r.IntN(6) {
	case 0:
		return 1
	case 1:
		return ^uint64(0)
	}
	return g.r.Uint64() >> g.r.UintN(64)
}

func (g gen) ref() refJSON {
	v := g.u64()
	if v == 0 {
		v = 1
	}
	return refJSON{ID: g.address(), Version: v, Digest: base58.Encode(g.bytes(32))}
}

func (g gen) refs(n int) []refJSON {
	out := make([]refJSON, n)
	for i := range out {
		out[i] = g.ref()
	}
	return out
}

func (g gen) epochs() uint32 { return 1 + g.r.Uint32N(MaxEpochsAhead) }

// count returns how many items case i of a shape has: one for even i,
// two to max for odd i, so that every run covers both.
func (g gen) count(i, max int) int {
	if i%2 == 0 {
		return 1
	}
	return 2 + g.r.IntN(max-1)
}

func (g gen) orEmpty(s string) string {
	if g.r.IntN(3) == 0 {
		return ""
	}
	return s
}

func (g gen) certify() certifyJSON {
	ct := certifyJSON{Blob: g.ref(), Signature: g.bytes(SignatureSize), Bitmap: g.bytes(1 + g.r.IntN(130))}
	ct.Confirmation = confirmationJSON{Epoch: g.r.Uint32(), BlobID: g.bytes(32)}
	if g.r.IntN(2) == 0 {
		ct.Confirmation.Object = ct.Blob.ID
	}
	ct.Message = ct.Confirmation.message()
	return ct
}

// testCase draws case i of shape. Gas payment has i%4 coins (0: a dry
// run), the WAL coins are 1 + i%3; register cases cycle through all
// storage reserved, all reused and mixed (i%3); the rest is random.
func (g gen) testCase(shape string, i int) testCase {
	c := testCase{Name: fmt.Sprintf("%s-%d", shape, i), Shape: shape, Sender: g.address()}
	pay := i % 4
	c.Gas = gasJSON{Owner: g.orEmpty(g.address()), Payment: g.refs(pay), Price: 1 + g.u64()/2, Budget: 1 + g.u64()/2}
	c.Walrus.Package = g.address()
	c.Walrus.System.ID = g.address()
	c.Walrus.System.InitialVersion = 1 + g.u64()/2
	nWAL := 1 + i%3
	n := g.count(i, 5)
	switch shape {
	case "register":
		r := &registerJSON{WAL: g.refs(nWAL), Epochs: g.epochs(), Owner: g.orEmpty(g.address())}
		for j := range n {
			nb := newBlobJSON{BlobID: g.bytes(32), Root: g.bytes(32), Size: g.u64() / 5, Deletable: g.r.IntN(2) == 0}
			nb.EncodedSize = nb.Size + 1 + g.u64()/2
			if reuse := (i/2)%3 == 1 || ((i/2)%3 == 2 && j%2 == 1); reuse {
				s := g.ref()
				nb.Storage = &s
			}
			r.Blobs = append(r.Blobs, nb)
		}
		if (i/2)%3 == 1 && g.r.IntN(2) == 0 {
			r.Epochs = 0 // not used when every blob brings its Storage
		}
		c.Register = r
	case "register-pool":
		c.Register = g.registerPool(nWAL)
	case "certify":
		for range n {
			c.Certify = append(c.Certify, g.certify())
		}
	case "extend":
		e := &extendJSON{WAL: g.refs(nWAL)}
		for range n {
			e.Blobs = append(e.Blobs, struct {
				Blob   refJSON `json:"blob"`
				Epochs uint32  `json:"epochs"`
			}{g.ref(), g.epochs()})
		}
		c.Extend = e
	case "delete":
		c.Delete = &deleteJSON{Blobs: g.refs(n), Owner: g.orEmpty(g.address())}
	case "burn":
		c.Burn = g.refs(n)
	case "merge":
		m := 1 + n
		c.Merge = g.refs(m)
	case "transfer":
		c.Transfer = &transferJSON{Objects: g.refs(n), Recipient: g.address()}
	case "register-attrs":
		r := &registerJSON{WAL: g.refs(nWAL), Epochs: g.epochs(), Owner: g.orEmpty(g.address())}
		for j := range n {
			nb := newBlobJSON{BlobID: g.bytes(32), Root: g.bytes(32), Size: g.u64() / 5, Deletable: g.r.IntN(2) == 0}
			nb.EncodedSize = nb.Size + 1 + g.u64()/2
			if j%2 == 1 {
				s := g.ref()
				nb.Storage = &s
			}
			if j == 0 || g.r.IntN(3) != 0 {
				nb.Attributes = g.attributes(1 + g.r.IntN(4))
			}
			r.Blobs = append(r.Blobs, nb)
		}
		c.Register = r
	case "set-attributes":
		sa := &setAttributesJSON{Blob: g.ref()}
		keys := g.keys(n + g.r.IntN(3))
		for j, k := range keys {
			if j%3 == 2 {
				sa.Remove = append(sa.Remove, k)
			} else {
				sa.Set = append(sa.Set, attrJSON{Key: k, Value: g.text(g.r.IntN(3) == 0)})
			}
		}
		c.SetAttrs = sa
	}
	return c
}

// registerPool draws a Register whose blobs take storage from 1 to 3
// pools of 1 to 4 objects each (every pool used, some used up exactly),
// mixed with blobs that reserve or bring a whole Storage.
func (g gen) registerPool(nWAL int) *registerJSON {
	r := &registerJSON{WAL: g.refs(nWAL), Owner: g.orEmpty(g.address())}
	nPools := 1 + g.r.IntN(3)
	sums := make([]uint64, nPools)
	reserves := false
	for j := range nPools + g.r.IntN(5) {
		nb := newBlobJSON{BlobID: g.bytes(32), Root: g.bytes(32), Size: g.r.Uint64N(1 << 40), Deletable: g.r.IntN(2) == 0}
		nb.EncodedSize = nb.Size + 1 + g.r.Uint64N(1<<40)
		switch k := g.r.IntN(5); {
		case j < nPools:
			nb.Pool = 1 + j
		case k == 0:
			reserves = true
		case k == 1:
			s := g.ref()
			nb.Storage = &s
		default:
			nb.Pool = 1 + g.r.IntN(nPools)
		}
		if nb.Pool != 0 {
			if g.r.IntN(3) == 0 {
				nb.Take = nb.EncodedSize + g.r.Uint64N(1<<30)
			}
			sums[nb.Pool-1] += max(nb.Take, nb.EncodedSize)
		}
		r.Blobs = append(r.Blobs, nb)
	}
	// Pool blobs come first for the pools' first uses; shuffle the rest
	// in, keeping every blob's pool valid.
	g.r.Shuffle(len(r.Blobs), func(a, b int) { r.Blobs[a], r.Blobs[b] = r.Blobs[b], r.Blobs[a] })
	for i := range nPools {
		size := sums[i]
		if g.r.IntN(2) == 0 {
			size += 1 + g.r.Uint64N(1<<40) // something stays in the pool
		}
		r.Pools = append(r.Pools, poolJSON{Objects: g.refs(1 + g.r.IntN(4)), Size: size})
	}
	if reserves || g.r.IntN(2) == 0 {
		r.Epochs = g.epochs()
	}
	return r
}

// text returns a random valid UTF-8 string: ASCII, multi-byte letters
// and emoji; long ones pass 127 bytes (a two-byte length prefix).
func (g gen) text(long bool) string {
	alphabet := []rune("abcxyz019.-_/: é€😀ß日本")
	n := g.r.IntN(24)
	if long {
		n = 100 + g.r.IntN(300)
	}
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(rs)
}

// keys returns n distinct non-empty keys, some of them the ones walrusfs
// uses.
func (g gen) keys(n int) []string {
	known := []string{"wfs.vol", "wfs.seq", "wfs.head", "content-type"}
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		k := known[g.r.IntN(len(known))]
		if g.r.IntN(2) == 0 {
			k = g.text(g.r.IntN(5) == 0)
		}
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}

func (g gen) attributes(n int) []attrJSON {
	var out []attrJSON
	for _, k := range g.keys(n) {
		out = append(out, attrJSON{Key: k, Value: g.text(g.r.IntN(4) == 0)})
	}
	return out
}

// genCases draws n cases of every shape from seed.
func genCases(seed uint64, n int) []testCase {
	g := gen{rand.New(rand.NewPCG(seed, seed^0x5eed))}
	var out []testCase
	for _, shape := range shapes {
		for i := range n {
			out = append(out, g.testCase(shape, i))
		}
	}
	return out
}

// testKeys are the fixed secrets (32 bytes each) the oracle signs every
// vector with, so that Go signing can be compared with the TypeScript SDK.
func testKeys() map[string]string {
	keys := map[string]string{}
	for _, s := range []string{"ed25519", "secp256k1", "secp256r1"} {
		k := sha256.Sum256([]byte("walrusfs suitx test key " + s))
		keys[s] = hex.EncodeToString(k[:])
	}
	return keys
}
