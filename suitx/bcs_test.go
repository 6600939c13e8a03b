package suitx

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/walrusfs/walrusfs/sui"
)

// A minimal reader of BCS TransactionData, written from Sui's Rust types
// (sui-types transaction.rs), independent of sui-go-sdk: it checks that
// the bytes say what Move expects, argument by argument.

type bcsReader struct {
	b   []byte
	err error
}

func (r *bcsReader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		if r.err == nil {
			r.err = fmt.Errorf("short input: want %d bytes, have %d", n, len(r.b))
		}
		return make([]byte, max(n, 0))
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *bcsReader) u8() byte     { return r.take(1)[0] }
func (r *bcsReader) u16() uint16  { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *bcsReader) u64() uint64  { return binary.LittleEndian.Uint64(r.take(8)) }
func (r *bcsReader) bool() bool   { return r.u8() == 1 }
func (r *bcsReader) addr() string { return "0x" + hex.EncodeToString(r.take(32)) }
func (r *bcsReader) vec() []byte  { return r.take(r.uleb()) }
func (r *bcsReader) str() string  { return string(r.vec()) }

func (r *bcsReader) uleb() int {
	v, shift := 0, 0
	for {
		b := r.u8()
		v |= int(b&0x7f) << shift
		if b < 0x80 || r.err != nil {
			return v
		}
		shift += 7
		if shift > 28 {
			r.err = fmt.Errorf("ULEB128 too long")
			return 0
		}
	}
}

func (r *bcsReader) tag(what string, max byte) byte {
	t := r.u8()
	if r.err == nil && t > max {
		r.err = fmt.Errorf("%s: variant %d not expected here", what, t)
	}
	return t
}

func (r *bcsReader) objRef() string {
	id := r.addr()
	v := r.u64()
	d := r.vec()
	if r.err == nil && len(d) != 32 {
		r.err = fmt.Errorf("object digest of %d bytes", len(d))
	}
	return fmt.Sprintf("obj:%s@%d/%s", id, v, base58.Encode(d))
}

// txData is a decoded TransactionData; inputs and arguments are rendered
// as text so that tests can compare them with a model.
type txData struct {
	inputs   []string // "pure:<hex>", "obj:<id>@<version>/<digest>", "shared:<id>@<initial>,mut|imm"
	commands []string // "MoveCall <pkg>::<module>::<function>(args)", "MergeCoins a <- [b]", "TransferObjects [a] -> b"
	used     []bool   // per input: referenced by a command
	sender   string
	payment  []string
	owner    string
	price    uint64
	budget   uint64
}

func decodeTx(b []byte) (*txData, error) {
	r := &bcsReader{b: b}
	t := &txData{}
	r.tag("TransactionData", 0) // V1
	r.tag("TransactionKind", 0) // ProgrammableTransaction
	for range r.uleb() {
		switch r.tag("CallArg", 1) {
		case 0:
			t.inputs = append(t.inputs, "pure:"+hex.EncodeToString(r.vec()))
		case 1:
			switch r.tag("ObjectArg", 1) {
			case 0:
				t.inputs = append(t.inputs, r.objRef())
			case 1:
				id, initial, mut := r.addr(), r.u64(), r.bool()
				m := "imm"
				if mut {
					m = "mut"
				}
				t.inputs = append(t.inputs, fmt.Sprintf("shared:%s@%d,%s", id, initial, m))
			}
		}
	}
	t.used = make([]bool, len(t.inputs))
	arg := func() string {
		switch r.tag("Argument", 3) {
		case 0:
			return "gas"
		case 1:
			i := int(r.u16())
			if i >= len(t.inputs) {
				r.err = fmt.Errorf("input %d of %d", i, len(t.inputs))
				return ""
			}
			t.used[i] = true
			return t.inputs[i]
		case 2:
			return fmt.Sprintf("result:%d", r.u16())
		default:
			return fmt.Sprintf("result:%d.%d", r.u16(), r.u16())
		}
	}
	args := func() string {
		var s []string
		for range r.uleb() {
			s = append(s, arg())
		}
		return strings.Join(s, ", ")
	}
	for range r.uleb() {
		switch r.tag("Command", 3) {
		case 0:
			target := r.addr() + "::" + r.str() + "::" + r.str()
			if n := r.uleb(); n != 0 {
				return nil, fmt.Errorf("%s: %d type arguments", target, n)
			}
			t.commands = append(t.commands, fmt.Sprintf("MoveCall %s(%s)", target, args()))
		case 1:
			objs := args()
			t.commands = append(t.commands, fmt.Sprintf("TransferObjects [%s] -> %s", objs, arg()))
		case 2:
			return nil, fmt.Errorf("unexpected SplitCoins")
		case 3:
			dst := arg()
			t.commands = append(t.commands, fmt.Sprintf("MergeCoins %s <- [%s]", dst, args()))
		}
	}
	t.sender = r.addr()
	for range r.uleb() {
		t.payment = append(t.payment, r.objRef())
	}
	t.owner, t.price, t.budget = r.addr(), r.u64(), r.u64()
	if exp := r.tag("TransactionExpiration", 0); exp != 0 {
		return nil, fmt.Errorf("expiration variant %d", exp)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d bytes left over", len(r.b))
	}
	return t, nil
}

// model renders what a case must encode, from the Move signatures
// (walrus::system, walrus::blob, walrus::storage_resource) and the documented command order.
type model struct {
	t        *testing.T
	commands []string
}

func (m *model) addr(s string) string {
	n, err := sui.NormalizeAddress(s)
	if err != nil {
		m.t.Fatal(err)
	}
	return n
}

func (m *model) obj(r refJSON) string {
	return fmt.Sprintf("obj:%s@%d/%s", m.addr(r.ID), r.Version, r.Digest)
}

func pureHex(b []byte) string { return "pure:" + hex.EncodeToString(b) }
func u64LE(v uint64) string   { return pureHex(binary.LittleEndian.AppendUint64(nil, v)) }
func u32LE(v uint32) string   { return pureHex(binary.LittleEndian.AppendUint32(nil, v)) }
func vecU8(b []byte) string {
	var l []byte
	n := len(b)
	for ; n >= 0x80; n >>= 7 {
		l = append(l, byte(n)|0x80)
	}
	return pureHex(append(append(l, byte(n)), b...))
}
func boolB(v bool) string {
	if v {
		return "pure:01"
	}
	return "pure:00"
}

func (m *model) addressArg(s string) string {
	b, _ := hex.DecodeString(m.addr(s)[2:])
	return pureHex(b)
}

func (m *model) call(c *testCase, module, fn string, args ...string) string {
	m.commands = append(m.commands, fmt.Sprintf("MoveCall %s::%s::%s(%s)", m.addr(c.Walrus.Package), module, fn, strings.Join(args, ", ")))
	return fmt.Sprintf("result:%d", len(m.commands)-1)
}

func (m *model) wal(coins []refJSON) string {
	first := m.obj(coins[0])
	if len(coins) > 1 {
		var srcs []string
		for _, c := range coins[1:] {
			srcs = append(srcs, m.obj(c))
		}
		m.commands = append(m.commands, fmt.Sprintf("MergeCoins %s <- [%s]", first, strings.Join(srcs, ", ")))
	}
	return first
}

func (m *model) transfer(objs []string, to string) {
	m.commands = append(m.commands, fmt.Sprintf("TransferObjects [%s] -> %s", strings.Join(objs, ", "), m.addressArg(to)))
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func expectCommands(t *testing.T, c *testCase) []string {
	m := &model{t: t}
	system := func(mut bool) string {
		s := fmt.Sprintf("shared:%s@%d,", m.addr(c.Walrus.System.ID), c.Walrus.System.InitialVersion)
		if mut {
			return s + "mut"
		}
		return s + "imm"
	}
	switch c.Shape {
	case "register", "register-pool", "register-attrs":
		r := c.Register
		wal := m.wal(r.WAL)
		var blobs []string
		// Pools: fuse_amount of the other objects into the first at the
		// first use, then split_by_size(first, what is left after the
		// share); the share that leaves 0 is the first object itself.
		left := make([]uint64, len(r.Pools))
		for i, p := range r.Pools {
			left[i] = p.Size
		}
		opened := make([]bool, len(r.Pools))
		for _, nb := range r.Blobs {
			storage := ""
			if nb.Storage != nil {
				storage = m.obj(*nb.Storage)
			} else if k := nb.Pool - 1; k >= 0 {
				p := r.Pools[k]
				first := m.obj(p.Objects[0])
				if !opened[k] {
					opened[k] = true
					for _, o := range p.Objects[1:] {
						m.call(c, "storage_resource", "fuse_amount", first, m.obj(o))
					}
				}
				left[k] -= max(nb.Take, nb.EncodedSize)
				storage = first
				if left[k] != 0 {
					storage = m.call(c, "storage_resource", "split_by_size", first, u64LE(left[k]))
				}
			} else {
				storage = m.call(c, "system", "reserve_space", system(true), u64LE(nb.EncodedSize), u32LE(r.Epochs), wal)
			}
			blobs = append(blobs, m.call(c, "system", "register_blob", system(true), storage,
				pureHex(nb.BlobID), pureHex(nb.Root), u64LE(nb.Size), "pure:01", boolB(nb.Deletable), wal))
			for _, a := range nb.Attributes {
				m.call(c, "blob", "insert_or_update_metadata_pair", blobs[len(blobs)-1], vecU8([]byte(a.Key)), vecU8([]byte(a.Value)))
			}
		}
		m.transfer(blobs, or(r.Owner, c.Sender))
	case "certify":
		for _, ct := range c.Certify {
			m.call(c, "system", "certify_blob", system(false), m.obj(ct.Blob), vecU8(ct.Signature), vecU8(ct.Bitmap), vecU8(ct.Message))
		}
	case "extend":
		wal := m.wal(c.Extend.WAL)
		for _, e := range c.Extend.Blobs {
			m.call(c, "system", "extend_blob", system(true), m.obj(e.Blob), u32LE(e.Epochs), wal)
		}
	case "delete":
		var storages []string
		for _, b := range c.Delete.Blobs {
			storages = append(storages, m.call(c, "system", "delete_blob", system(false), m.obj(b)))
		}
		m.transfer(storages, or(c.Delete.Owner, c.Sender))
	case "burn":
		for _, b := range c.Burn {
			m.call(c, "blob", "burn", m.obj(b))
		}
	case "merge":
		m.wal(c.Merge)
	case "transfer":
		var objs []string
		for _, o := range c.Transfer.Objects {
			objs = append(objs, m.obj(o))
		}
		m.transfer(objs, c.Transfer.Recipient)
	case "set-attributes":
		blob := m.obj(c.SetAttrs.Blob)
		for _, a := range c.SetAttrs.Set {
			m.call(c, "blob", "insert_or_update_metadata_pair", blob, vecU8([]byte(a.Key)), vecU8([]byte(a.Value)))
		}
		for _, k := range c.SetAttrs.Remove {
			m.call(c, "blob", "remove_metadata_pair_if_exists", blob, vecU8([]byte(k)))
		}
	}
	return m.commands
}

// TestDecodedShapes decodes the Go bytes of random cases of every shape
// and compares each command and argument with the model: the Move
// function, argument order, pure values (u64/u32 little-endian, the blob
// ID and root as u256 = their bytes, encoding type 1), owned objects by
// full reference, the System object's mutability, results feeding the
// transfer; and the gas data.
func TestDecodedShapes(t *testing.T) {
	for _, c := range genCases(7, 30) {
		t.Run(c.Name, func(t *testing.T) {
			b, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			d, err := decodeTx(b)
			if err != nil {
				t.Fatalf("decoding: %v", err)
			}
			want := expectCommands(t, &c)
			if !slices.Equal(d.commands, want) {
				t.Errorf("commands:\n got %q\nwant %q", d.commands, want)
			}
			for i, u := range d.used {
				if !u {
					t.Errorf("input %d (%s) is never used", i, d.inputs[i])
				}
			}
			seen := map[string]bool{}
			for _, in := range d.inputs {
				if !strings.HasPrefix(in, "pure:") && seen[in] {
					t.Errorf("object input %s twice", in)
				}
				seen[in] = true
			}
			m := &model{t: t}
			if d.sender != m.addr(c.Sender) || d.owner != m.addr(or(c.Gas.Owner, c.Sender)) {
				t.Errorf("sender %s gas owner %s", d.sender, d.owner)
			}
			var pay []string
			for _, p := range c.Gas.Payment {
				pay = append(pay, m.obj(p))
			}
			if !slices.Equal(d.payment, pay) || d.price != c.Gas.Price || d.budget != c.Gas.Budget {
				t.Errorf("gas: payment %q price %d budget %d, want %q %d %d", d.payment, d.price, d.budget, pay, c.Gas.Price, c.Gas.Budget)
			}
		})
	}
}

// TestSystemMutability: the System object is one shared input, mutable
// exactly where the Move function takes &mut System.
func TestSystemMutability(t *testing.T) {
	want := map[string]string{"register": "mut", "register-pool": "mut", "extend": "mut", "certify": "imm", "delete": "imm", "burn": "", "merge": "", "transfer": "", "register-attrs": "mut", "set-attributes": ""}
	for _, c := range genCases(11, 6) {
		b, err := c.build()
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		d, err := decodeTx(b)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var shared []string
		for _, in := range d.inputs {
			if strings.HasPrefix(in, "shared:") {
				shared = append(shared, in)
			}
		}
		w := want[c.Shape]
		switch {
		case w == "" && len(shared) != 0:
			t.Errorf("%s: shared inputs %q, want none", c.Name, shared)
		case w != "" && (len(shared) != 1 || !strings.HasSuffix(shared[0], ","+w)):
			t.Errorf("%s: shared inputs %q, want one System, %s", c.Name, shared, w)
		}
	}
}

// TestPoolCasesCover: the pool cases of the committed vectors' seed fuse
// objects, split shares off and use a pool up (its first object then
// registered whole), so the vectors pin all three.
func TestPoolCasesCover(t *testing.T) {
	fuse, split, usedUp := 0, 0, 0
	for _, c := range genCases(vectorsSeed, vectorsPerKind) {
		if c.Shape != "register-pool" {
			continue
		}
		for _, cmd := range expectCommands(t, &c) {
			switch {
			case strings.Contains(cmd, "::storage_resource::fuse_amount("):
				fuse++
			case strings.Contains(cmd, "::storage_resource::split_by_size("):
				split++
			}
		}
		left := map[int]uint64{}
		for i, p := range c.Register.Pools {
			left[i+1] = p.Size
		}
		for _, nb := range c.Register.Blobs {
			if nb.Pool != 0 {
				left[nb.Pool] -= max(nb.Take, nb.EncodedSize)
				if left[nb.Pool] == 0 {
					usedUp++
				}
			}
		}
	}
	if fuse == 0 || split == 0 || usedUp == 0 {
		t.Fatalf("pool cases: %d fuse_amount, %d split_by_size, %d pools used up; want each at least once", fuse, split, usedUp)
	}
	t.Logf("pool cases: %d fuse_amount, %d split_by_size, %d pools used up", fuse, split, usedUp)
}
