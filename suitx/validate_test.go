package suitx

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/sui"
)

// Fixtures for the error tests: every object gets a distinct ID.
func testRef(n int) sui.ObjectRef {
	return sui.ObjectRef{ID: fmt.Sprintf("0x%064x", 0x1000+n), Version: uint64(n + 1), Digest: base58.Encode(bytes.Repeat([]byte{byte(n)}, 32))}
}

func testRefs(from, n int) []sui.ObjectRef {
	var out []sui.ObjectRef
	for i := range n {
		out = append(out, testRef(from+i))
	}
	return out
}

const testSender = "0xa11ce"

var testWalrus = Walrus{Package: "0x98da", System: sui.SharedObject{ID: "0x2134", InitialVersion: 373}}

func testGas() Gas { return Gas{Payment: testRefs(900, 2), Price: 1000, Budget: 50_000_000} }

func testBlob(n int) NewBlob {
	var id blobid.ID
	id[0], id[31] = byte(n), 1
	return NewBlob{BlobID: id, Root: [32]byte{byte(n)}, Size: 100, EncodedSize: 66_034_000, Deletable: true}
}

func testRegister() Register {
	return Register{WAL: testRefs(1, 2), Epochs: 5, Blobs: []NewBlob{testBlob(1), testBlob(2)}}
}

// poolOf adds a pool of n objects that the blobs at index from takes
// from, sized to their encoded sizes plus 1 MiB.
func poolOf(r *Register, n int, from ...int) {
	p := StoragePool{Objects: testRefs(700+10*len(r.Pools), n), Size: 1 << 20}
	r.Pools = append(r.Pools, p)
	for _, i := range from {
		r.Blobs[i].Pool = len(r.Pools)
		r.Pools[len(r.Pools)-1].Size += r.Blobs[i].EncodedSize
	}
}

func testCertify(n int) Certify {
	msg := append([]byte{1, 0, 3}, make([]byte, 4+32+1)...)
	return Certify{Blob: testRef(100 + n), Signature: make([]byte, SignatureSize), Bitmap: []byte{0xff}, Message: msg}
}

func TestErrors(t *testing.T) {
	w := testWalrus
	reg := func(f func(*Register)) func() ([]byte, error) {
		return func() ([]byte, error) {
			r := testRegister()
			f(&r)
			return w.Register(testSender, testGas(), r)
		}
	}
	withGas := func(f func(*Gas)) func() ([]byte, error) {
		return func() ([]byte, error) {
			g := testGas()
			f(&g)
			return w.Register(testSender, g, testRegister())
		}
	}
	cert := func(f func([]Certify) []Certify) func() ([]byte, error) {
		return func() ([]byte, error) {
			return w.Certify(testSender, testGas(), f([]Certify{testCertify(1), testCertify(2)}))
		}
	}
	storage := testRef(50)
	tests := []struct {
		name string
		run  func() ([]byte, error)
		want string
	}{
		{"sender empty", func() ([]byte, error) { return w.Register("", testGas(), testRegister()) }, "sender"},
		{"sender not hex", func() ([]byte, error) { return w.Register("0xzz", testGas(), testRegister()) }, "sender"},
		{"sender without 0x", func() ([]byte, error) { return w.Burn("a11ce", testGas(), testRefs(1, 1)) }, "sender"},
		{"sender too long", func() ([]byte, error) { return w.Burn("0x"+strings.Repeat("1", 65), testGas(), testRefs(1, 1)) }, "sender"},
		{"gas price 0", withGas(func(g *Gas) { g.Price = 0 }), "gas price is 0"},
		{"gas budget 0", withGas(func(g *Gas) { g.Budget = 0 }), "gas budget is 0"},
		{"gas owner bad", withGas(func(g *Gas) { g.Owner = "owner" }), "gas owner"},
		{"gas coin bad ID", withGas(func(g *Gas) { g.Payment[1].ID = "0x" }), "gas payment 1 ID"},
		{"gas coin version 0", withGas(func(g *Gas) { g.Payment[0].Version = 0 }), "version 0"},
		{"gas coin digest not base58", withGas(func(g *Gas) { g.Payment[0].Digest = "0OIl" }), "not base58 of 32 bytes"},
		{"gas coin digest short", withGas(func(g *Gas) { g.Payment[0].Digest = base58.Encode(make([]byte, 31)) }), "not base58 of 32 bytes"},
		{"gas coin twice", withGas(func(g *Gas) { g.Payment[1] = g.Payment[0] }), "listed twice"},
		{"too many gas coins", withGas(func(g *Gas) { g.Payment = testRefs(2000, MaxGasPayment+1) }), "gas coins"},
		{"gas coin is a WAL coin", withGas(func(g *Gas) { g.Payment[1] = testRef(1) }), "is also WAL coin 0"},
		{"gas coin is a Blob", func() ([]byte, error) {
			g := testGas()
			g.Payment[0] = testRef(7)
			return w.Burn(testSender, g, testRefs(6, 2))
		}, "is also Blob 1"},
		{"package bad", func() ([]byte, error) {
			return Walrus{Package: "walrus", System: w.System}.Register(testSender, testGas(), testRegister())
		}, "Walrus package"},
		{"system bad", func() ([]byte, error) {
			return Walrus{Package: w.Package, System: sui.SharedObject{ID: "0xg", InitialVersion: 1}}.Certify(testSender, testGas(), []Certify{testCertify(1)})
		}, "System object ID"},
		{"system initial version 0", func() ([]byte, error) {
			return Walrus{Package: w.Package, System: sui.SharedObject{ID: "0x2134"}}.Extend(testSender, testGas(), testRefs(1, 1), []Extend{{testRef(5), 1}})
		}, "initial shared version 0"},

		{"register no blobs", reg(func(r *Register) { r.Blobs = nil }), "no blobs"},
		{"register no WAL", reg(func(r *Register) { r.WAL = nil }), "no WAL coin"},
		{"register epochs 0", reg(func(r *Register) { r.Epochs = 0 }), "0 epochs, want 1 to 53"},
		{"register epochs 54", reg(func(r *Register) { r.Epochs = 54 }), "54 epochs, want 1 to 53"},
		{"register epochs 0 for a mixed set", reg(func(r *Register) { r.Epochs = 0; r.Blobs[0].Storage = &storage }), "0 epochs"},
		{"register zero blob ID", reg(func(r *Register) { r.Blobs[1].BlobID = blobid.ID{} }), "blob 1: zero blob ID"},
		{"register encoded size 0", reg(func(r *Register) { r.Blobs[0].EncodedSize = 0 }), "encoded size 0"},
		{"register encoded size below size", reg(func(r *Register) { r.Blobs[0].EncodedSize = 99 }), "smaller than the size"},
		{"register bad owner", reg(func(r *Register) { r.Owner = "0x0x" }), "blob owner"},
		{"register WAL coin twice", reg(func(r *Register) { r.WAL[1] = r.WAL[0] }), "is both WAL coin 0 and WAL coin 1"},
		{"register bad WAL coin", reg(func(r *Register) { r.WAL[1].Digest = "" }), "WAL coin 1"},
		{"register Storage twice", reg(func(r *Register) { r.Blobs[0].Storage = &storage; r.Blobs[1].Storage = &storage }), "Storage of blob 1"},
		{"register Storage is a WAL coin", reg(func(r *Register) { s := testRef(2); r.Blobs[1].Storage = &s }), "is both WAL coin 1 and Storage of blob 1"},
		{"register bad Storage", reg(func(r *Register) { s := storage; s.Version = 0; r.Blobs[0].Storage = &s }), "Storage of blob 0"},
		{"register pool index 0 with Take", reg(func(r *Register) { r.Blobs[0].Take = 1 << 30 }), "blob 0 (AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE): Take without a pool"},
		{"register Take without a pool", reg(func(r *Register) { poolOf(r, 1, 0); r.Blobs[1].Take = 1 << 30 }), "blob 1 (AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE): Take without a pool"},
		{"register pool and Storage", reg(func(r *Register) { poolOf(r, 1, 1); r.Blobs[1].Storage = &storage }), "both a Storage and a pool"},
		{"register pool out of range", reg(func(r *Register) { poolOf(r, 1, 0, 0); r.Blobs[1].Pool = 2 }), "pool 2, want 1 to 1 (Register.Pools index + 1)"},
		{"register pool index negative", reg(func(r *Register) { poolOf(r, 1, 0, 0); r.Blobs[1].Pool = -1 }), "pool -1, want 1 to 1"},
		{"register pool without objects", reg(func(r *Register) { poolOf(r, 1, 0, 0); r.Pools[0].Objects = nil }), "storage pool 0: no Storage objects"},
		{"register pool of size 0", reg(func(r *Register) { poolOf(r, 1, 0, 0); r.Pools[0].Size = 0 }), "storage pool 0: size 0"},
		{"register pool used by no blob", reg(func(r *Register) { poolOf(r, 1, 0, 0); poolOf(r, 1) }), "storage pool 1: no blob takes from it"},
		{"register pool too small", reg(func(r *Register) { poolOf(r, 1, 0, 1); r.Pools[0].Size -= 1<<20 + 1 }), "takes 66034000 bytes of storage, storage pool 0 has 66033999 left"},
		{"register pool used up", reg(func(r *Register) { poolOf(r, 1, 0, 1); r.Blobs[0].Take = r.Pools[0].Size }), "storage pool 0 is used up by earlier blobs"},
		{"register Take below the encoded size", reg(func(r *Register) { poolOf(r, 1, 0); r.Blobs[0].Take = r.Blobs[0].EncodedSize - 1 }), "less than its encoded size"},
		{"register pool encoded size 0", reg(func(r *Register) { poolOf(r, 1, 0); r.Blobs[0].EncodedSize = 0 }), "encoded size 0"},
		{"register pool object twice", reg(func(r *Register) { poolOf(r, 2, 0); r.Pools[0].Objects[1] = r.Pools[0].Objects[0] }), "is both Storage 0 of pool 0 and Storage 1 of pool 0"},
		{"register pool object is a Storage", reg(func(r *Register) { poolOf(r, 1, 1); r.Blobs[0].Storage = &r.Pools[0].Objects[0] }), "is both Storage of blob 0 (AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE) and Storage 0 of pool 0"},
		{"register bad pool object", reg(func(r *Register) { poolOf(r, 2, 0); r.Pools[0].Objects[1].Version = 0 }), "Storage 1 of pool 0"},
		{"register too many commands", reg(func(r *Register) {
			r.Blobs = nil
			for i := range MaxCommands / 2 {
				r.Blobs = append(r.Blobs, testBlob(i))
			}
		}), "commands, more than Sui's limit"},

		{"certify none", cert(func([]Certify) []Certify { return nil }), "no blobs"},
		{"certify signature 95 bytes", cert(func(c []Certify) []Certify { c[1].Signature = c[1].Signature[:95]; return c }), "blob 1 (0x"},
		{"certify signature 97 bytes", cert(func(c []Certify) []Certify { c[0].Signature = make([]byte, 97); return c }), "signature is 97 bytes, want 96"},
		{"certify empty bitmap", cert(func(c []Certify) []Certify { c[0].Bitmap = nil; return c }), "empty signers bitmap"},
		{"certify short message", cert(func(c []Certify) []Certify { c[0].Message = c[0].Message[:39]; return c }), "not a certified-blob message"},
		{"certify wrong intent", cert(func(c []Certify) []Certify { c[0].Message[0] = 2; return c }), "not a certified-blob message"},
		{"certify blob twice", cert(func(c []Certify) []Certify { c[1].Blob = c[0].Blob; return c }), "is both Blob 0 and Blob 1"},
		{"certify bad blob", cert(func(c []Certify) []Certify { c[0].Blob.ID = ""; return c }), "Blob 0 ID"},
		{"certify too large", cert(func(c []Certify) []Certify {
			for i := range c {
				c[i].Message = append(c[i].Message, make([]byte, MaxTxBytes/2)...)
			}
			return c
		}), "bytes, more than Sui's limit"},

		{"extend none", func() ([]byte, error) { return w.Extend(testSender, testGas(), testRefs(1, 1), nil) }, "no blobs"},
		{"extend epochs 0", func() ([]byte, error) {
			return w.Extend(testSender, testGas(), testRefs(1, 1), []Extend{{testRef(5), 1}, {testRef(6), 0}})
		}, "blob 1 (0x"},
		{"extend epochs 54", func() ([]byte, error) {
			return w.Extend(testSender, testGas(), testRefs(1, 1), []Extend{{testRef(5), 54}})
		}, "54 epochs"},
		{"extend no WAL", func() ([]byte, error) { return w.Extend(testSender, testGas(), nil, []Extend{{testRef(5), 1}}) }, "no WAL coin"},
		{"extend blob is a WAL coin", func() ([]byte, error) {
			return w.Extend(testSender, testGas(), testRefs(1, 2), []Extend{{testRef(2), 1}})
		}, "is both WAL coin 1 and Blob 0"},

		{"delete none", func() ([]byte, error) { return w.Delete(testSender, testGas(), nil, "") }, "no blobs"},
		{"delete bad owner", func() ([]byte, error) { return w.Delete(testSender, testGas(), testRefs(1, 1), "0x-1") }, "storage owner"},
		{"delete blob twice", func() ([]byte, error) {
			return w.Delete(testSender, testGas(), []sui.ObjectRef{testRef(1), testRef(1)}, "")
		}, "is both Blob 0 and Blob 1"},
		{"burn none", func() ([]byte, error) { return w.Burn(testSender, testGas(), nil) }, "no blobs"},
		{"burn bad blob", func() ([]byte, error) {
			return w.Burn(testSender, testGas(), []sui.ObjectRef{{ID: "0x1", Version: 1, Digest: "x"}})
		}, "Blob 0"},
		{"merge one coin", func() ([]byte, error) { return MergeWAL(testSender, testGas(), testRefs(1, 1)) }, "1 coins, want at least 2"},
		{"merge coin twice", func() ([]byte, error) {
			return MergeWAL(testSender, testGas(), []sui.ObjectRef{testRef(1), testRef(2), testRef(1)})
		}, "is both WAL coin 0 and WAL coin 2"},
		{"transfer none", func() ([]byte, error) { return Transfer(testSender, testGas(), nil, "0xb0b") }, "no objects"},
		{"register attribute empty key", reg(func(r *Register) { r.Blobs[1].Attributes = []Attribute{{"wfs.seq", "1"}, {"", "x"}} }), "blob 1 (AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE): attribute 1: empty key"},
		{"register attribute key twice", reg(func(r *Register) { r.Blobs[0].Attributes = []Attribute{{"wfs.seq", "1"}, {"wfs.seq", "2"}} }), `attribute key "wfs.seq" given twice`},
		{"register attribute key not UTF-8", reg(func(r *Register) { r.Blobs[0].Attributes = []Attribute{{"k\xff", "1"}} }), "attribute 0 key is not valid UTF-8"},
		{"register attribute value not UTF-8", reg(func(r *Register) { r.Blobs[0].Attributes = []Attribute{{"k", "\xc3"}} }), `attribute "k" value is not valid UTF-8`},
		{"register attribute value too long", reg(func(r *Register) { r.Blobs[0].Attributes = []Attribute{{"k", strings.Repeat("v", MaxPureArg-1)}} }), `attribute "k" value is 16383 bytes, more than Sui's limit of 16382`},
		{"register attribute key too long", reg(func(r *Register) { r.Blobs[0].Attributes = []Attribute{{strings.Repeat("k", MaxPureArg), "v"}} }), "attribute 0 key is 16384 bytes"},
		{"set attributes nothing", func() ([]byte, error) { return w.SetAttributes(testSender, testGas(), testRef(5), nil, nil) }, "no attributes to set or remove"},
		{"set attributes bad blob", func() ([]byte, error) {
			return w.SetAttributes(testSender, testGas(), sui.ObjectRef{ID: "0x5", Version: 0, Digest: testRef(5).Digest}, []Attribute{{"k", "v"}}, nil)
		}, "Blob 0x5: version 0"},
		{"set attributes blob is the gas coin", func() ([]byte, error) {
			return w.SetAttributes(testSender, testGas(), testRef(900), []Attribute{{"k", "v"}}, nil)
		}, "gas payment 0 (0x"},
		{"set attributes bad package", func() ([]byte, error) {
			return Walrus{Package: "walrus"}.SetAttributes(testSender, testGas(), testRef(5), []Attribute{{"k", "v"}}, nil)
		}, "Walrus package"},
		{"set attributes empty key", func() ([]byte, error) {
			return w.SetAttributes(testSender, testGas(), testRef(5), []Attribute{{"", "v"}}, nil)
		}, "attribute 0: empty key"},
		{"set attributes key set and removed", func() ([]byte, error) {
			return w.SetAttributes(testSender, testGas(), testRef(5), []Attribute{{"wfs.head", "v"}}, []string{"wfs.head"})
		}, `attribute "wfs.head" both set and removed`},
		{"set attributes remove empty key", func() ([]byte, error) {
			return w.SetAttributes(testSender, testGas(), testRef(5), nil, []string{"a", ""})
		}, "key 1 to remove is empty"},
		{"set attributes remove twice", func() ([]byte, error) {
			return w.SetAttributes(testSender, testGas(), testRef(5), nil, []string{"a", "a"})
		}, `attribute "a" removed twice`},
		{"set attributes remove key not UTF-8", func() ([]byte, error) {
			return w.SetAttributes(testSender, testGas(), testRef(5), nil, []string{"\xff"})
		}, "key 0 to remove is not valid UTF-8"},
		{"set attributes too many commands", func() ([]byte, error) {
			var as []Attribute
			for i := range MaxCommands + 1 {
				as = append(as, Attribute{fmt.Sprint(i), ""})
			}
			return w.SetAttributes(testSender, testGas(), testRef(5), as, nil)
		}, "commands, more than Sui's limit"},
		{"transfer no recipient", func() ([]byte, error) { return Transfer(testSender, testGas(), testRefs(1, 1), "") }, "recipient"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.run()
			if err == nil {
				t.Fatalf("no error (%d bytes)", len(b))
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "suitx: ") {
				t.Fatalf("error %q, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestValidEdges: the limits themselves and the defaults are accepted.
func TestValidEdges(t *testing.T) {
	w := testWalrus
	tests := []struct {
		name string
		run  func() ([]byte, error)
	}{
		{"epochs 53", func() ([]byte, error) {
			r := testRegister()
			r.Epochs = MaxEpochsAhead
			return w.Register(testSender, testGas(), r)
		}},
		{"epochs 0 when every blob brings its Storage", func() ([]byte, error) {
			r := testRegister()
			r.Epochs = 0
			s1, s2 := testRef(60), testRef(61)
			r.Blobs[0].Storage, r.Blobs[1].Storage = &s1, &s2
			return w.Register(testSender, testGas(), r)
		}},
		{"epochs 0 when every blob takes from a pool, the second using it up", func() ([]byte, error) {
			r := testRegister()
			r.Epochs = 0
			poolOf(&r, 3, 0, 1)
			r.Blobs[1].Take = r.Blobs[1].EncodedSize + 1<<20
			return w.Register(testSender, testGas(), r)
		}},
		{"empty blob", func() ([]byte, error) {
			r := testRegister()
			r.Blobs[0].Size = 0
			return w.Register(testSender, testGas(), r)
		}},
		{"empty gas payment (dry run)", func() ([]byte, error) {
			return w.Register(testSender, Gas{Price: 1000, Budget: 50_000_000_000}, testRegister())
		}},
		{"most commands", func() ([]byte, error) {
			return w.Burn(testSender, testGas(), testRefs(3000, MaxCommands))
		}},
		{"most gas coins", func() ([]byte, error) {
			g := testGas()
			g.Payment = testRefs(2000, MaxGasPayment)
			return w.Burn(testSender, g, testRefs(1, 1))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.run()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := decodeTx(b); err != nil {
				t.Fatalf("decoding: %v", err)
			}
		})
	}
}

// TestDigest: a digest is base58 of 32 bytes and changes with the bytes
// (TestVectors compares every digest with the TypeScript SDK's).
func TestDigest(t *testing.T) {
	b, err := testWalrus.Burn(testSender, testGas(), testRefs(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	d := Digest(b)
	if raw, err := base58.Decode(d); err != nil || len(raw) != 32 {
		t.Fatalf("digest %q is not base58 of 32 bytes", d)
	}
	b[len(b)-1] ^= 1
	if Digest(b) == d {
		t.Fatal("digest does not depend on the bytes")
	}
}

// TestAttributeLimits: a key or value whose BCS is exactly MaxPureArg
// bytes is accepted.
func TestAttributeLimits(t *testing.T) {
	r := testRegister()
	r.Blobs[0].Attributes = []Attribute{{"k", strings.Repeat("v", MaxPureArg-2)}}
	if _, err := testWalrus.Register(testSender, testGas(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := testWalrus.SetAttributes(testSender, testGas(), testRef(5), []Attribute{{strings.Repeat("k", MaxPureArg-2), "é"}}, []string{"x"}); err != nil {
		t.Fatal(err)
	}
}
