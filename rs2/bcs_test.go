package rs2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func TestSliverBCS(t *testing.T) {
	// Primary pair 0 of "hello walrus" at n=10, from the protocol notes.
	want, _ := hex.DecodeString("0e68656c6c6f2077616c72757300000200" + "0000")
	e, _ := NewEncoder(10)
	_, prim, sec := encodeAll(t, e, []byte("hello walrus"))
	if got := prim[0].MarshalBCS(); !bytes.Equal(got, want) {
		t.Fatalf("BCS %x, want %x", got, want)
	}
	for _, v := range []struct {
		s   *Sliver
		hex string
	}{
		{prim[4], "0e6943504495504b42aa83ef8f000002000400"},
		{prim[7], "0e2394689031efeb93ac170b1f000002000700"},
		{sec[0], "08686500000000000002000000"},
		{sec[9], "08b6e400000000000002000900"},
	} {
		if got := hex.EncodeToString(v.s.MarshalBCS()); got != v.hex {
			t.Errorf("%s %d: %s, want %s", v.s.Type, v.s.Index, got, v.hex)
		}
	}
	back, err := UnmarshalSliver(Primary, want)
	if err != nil || back.Index != 0 || back.SymbolSize != 2 || string(back.Data[:12]) != "hello walrus" {
		t.Fatalf("unmarshal: %+v %v", back, err)
	}
	for _, bad := range []string{"", "0e", "0e6865", hex.EncodeToString(want) + "00", "ffffffffff0f"} {
		b, _ := hex.DecodeString(bad)
		if _, err := UnmarshalSliver(Primary, b); !errors.Is(err, ErrInvalidSliver) {
			t.Errorf("UnmarshalSliver(%s) = %v", bad, err)
		}
	}
}

func TestMetadataBCS(t *testing.T) {
	e, _ := NewEncoder(1000)
	m, err := e.ComputeMetadata([]byte("hello walrus"))
	if err != nil {
		t.Fatal(err)
	}
	id := m.BlobID()
	b := m.MarshalBCSWithID(id)
	if len(b) != 66044 {
		t.Fatalf("BlobMetadataWithId is %d bytes, want 66044", len(b))
	}
	gotID, back, err := UnmarshalMetadataWithID(b)
	if err != nil || gotID != id || back.BlobID() != id {
		t.Fatalf("round trip: %v", err)
	}
	if err := back.Check(id, 1000); err != nil {
		t.Fatal(err)
	}
	if err := back.Check(id, 10); err == nil {
		t.Fatal("metadata for 1000 shards accepted for 10")
	}
	body := m.MarshalBCS()
	for name, mut := range map[string]func([]byte) []byte{
		"truncated":  func(b []byte) []byte { return b[:len(b)-1] },
		"trailing":   func(b []byte) []byte { return append(b, 0) },
		"version":    func(b []byte) []byte { b[0] = 1; return b },
		"encoding":   func(b []byte) []byte { b[1] = 0; return b },
		"empty node": func(b []byte) []byte { b[12] = 0; return b },
		"huge count": func(b []byte) []byte { return append(b[:10:10], 0xff, 0xff, 0xff, 0xff, 0x0f) },
	} {
		if _, err := UnmarshalMetadata(mut(bytes.Clone(body))); !errors.Is(err, ErrInvalidMetadata) {
			t.Errorf("%s: %v", name, err)
		}
	}
	flipped := bytes.Clone(body)
	flipped[20] ^= 1
	fm, err := UnmarshalMetadata(flipped)
	if err != nil {
		t.Fatal(err)
	}
	if err := fm.Check(id, 1000); !errors.Is(err, ErrInvalidMetadata) {
		t.Fatalf("tampered metadata: %v", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	e, _ := NewEncoder(4)
	m, _ := e.ComputeMetadata([]byte("seed"))
	f.Add(m.MarshalBCS())
	f.Add([]byte{0x0e, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := UnmarshalMetadata(b); err == nil && !bytes.Equal(m.MarshalBCS(), b) {
			t.Fatal("metadata does not re-encode to its input")
		}
		if s, err := UnmarshalSliver(Secondary, b); err == nil && !bytes.Equal(s.MarshalBCS(), b) {
			t.Fatal("sliver does not re-encode to its input")
		}
	})
}
