package seal

import (
	"bytes"
	stdhkdf "crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestKeyRedacted(t *testing.T) {
	var k Key
	for i := range k {
		k[i] = 0xa0 + byte(i%16)
	}
	hexLower := hex.EncodeToString(k[:4])
	decimal := fmt.Sprint(k[:4]) // "[160 161 162 163]"
	decimal = decimal[1 : len(decimal)-1]
	leaks := func(s string) bool {
		return strings.Contains(strings.ToLower(s), hexLower) ||
			strings.Contains(s, decimal) || strings.Contains(s, "0xa0") ||
			strings.Contains(s, string(k[:4]))
	}
	type exported struct{ K Key }
	outputs := map[string]string{
		"%v":            fmt.Sprintf("%v", k),
		"%+v":           fmt.Sprintf("%+v", k),
		"%#v":           fmt.Sprintf("%#v", k),
		"%s":            fmt.Sprintf("%s", k),
		"%q":            fmt.Sprintf("%q", k),
		"%x":            fmt.Sprintf("%x", k),
		"%X":            fmt.Sprintf("%X", k),
		"%d":            fmt.Sprintf("%d", k),
		"%v pointer":    fmt.Sprintf("%v", &k),
		"%x pointer":    fmt.Sprintf("%x", &k),
		"%v slice":      fmt.Sprintf("%v", []Key{k}),
		"%x slice":      fmt.Sprintf("%x", []Key{k}),
		"%+v struct":    fmt.Sprintf("%+v", exported{k}),
		"%#v struct":    fmt.Sprintf("%#v", exported{k}),
		"Sprint":        fmt.Sprint(k),
		"String":        k.String(),
		"GoString":      k.GoString(),
		"error wrapped": fmt.Errorf("with %v", k).Error(),
	}
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"slog text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"slog json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	} {
		var b bytes.Buffer
		slog.New(h.new(&b)).Info("key", "k", k, slog.Any("any", k), slog.Group("g", "k", k))
		outputs[h.name] = b.String()
	}
	for name, out := range outputs {
		if leaks(out) {
			t.Errorf("%s leaks the key: %q", name, out)
		}
		if !strings.Contains(out, "seal.Key(redacted)") {
			t.Errorf("%s = %q, want seal.Key(redacted)", name, out)
		}
	}
	// The detector itself works.
	if !leaks(fmt.Sprintf("%x", k[:])) || !leaks(fmt.Sprintf("%v", k[:])) {
		t.Fatal("leak detector misses the raw bytes")
	}
}

func TestNewKey(t *testing.T) {
	seen := map[Key]bool{}
	for range 64 {
		k, err := NewKey()
		if err != nil {
			t.Fatal(err)
		}
		if k.isZero() || seen[k] {
			t.Fatal("NewKey returned a zero or repeated key")
		}
		seen[k] = true
	}
}

// hkdfRef is HKDF-SHA256 with an empty salt and one output block, written
// out from RFC 5869: PRK = HMAC(zeros(32), ikm); OKM = HMAC(PRK, info ‖ 0x01).
func hkdfRef(ikm []byte, info string) []byte {
	ext := hmac.New(sha256.New, make([]byte, 32))
	ext.Write(ikm)
	prk := ext.Sum(nil)
	exp := hmac.New(sha256.New, prk)
	exp.Write([]byte(info))
	exp.Write([]byte{1})
	return exp.Sum(nil)
}

func TestDerive(t *testing.T) {
	master := testKey(0x11)
	labels := []string{"read", "dedup", "head", "index-wrap", "", "root"}
	got := map[Key]string{}
	for _, label := range labels {
		d := Derive(master, label)
		if want := hkdfRef(master[:], "walrusfs "+label); !bytes.Equal(d[:], want) {
			t.Errorf("Derive(%q) = %x, want %x", label, d[:], want)
		}
		std, err := stdhkdf.Key(sha256.New, master[:], nil, "walrusfs "+label, 32)
		if err != nil || !bytes.Equal(d[:], std) {
			t.Errorf("Derive(%q) differs from crypto/hkdf: %v", label, err)
		}
		if d != Derive(master, label) {
			t.Errorf("Derive(%q) is not deterministic", label)
		}
		if other, dup := got[d]; dup {
			t.Errorf("labels %q and %q give the same key", other, label)
		}
		got[d] = label
	}
	if Derive(master, "read") == Derive(testKey(0x12), "read") {
		t.Error("different masters give the same key")
	}
	// A pinned value, computed with Python's hmac/hashlib.
	d := Derive(testKey(0), "read")
	if want := "a25b25210a09365721029795cab810c9b3ae9663eac46a43895b176e08451101"; hex.EncodeToString(d[:]) != want {
		t.Errorf("Derive(00..1f, read) = %x, want %s", d[:], want)
	}
}

func TestWrapKey(t *testing.T) {
	kek := Derive(testKey(0x21), "index-wrap")
	k, _ := NewKey()
	aad := []byte("walrusfs chunk key v1")
	w1, err := WrapKey(kek, k, aad)
	if err != nil {
		t.Fatal(err)
	}
	if len(w1) != WrappedKeySize || WrappedKeySize != 72 {
		t.Fatalf("wrapped key is %d bytes (WrappedKeySize %d), want 72", len(w1), WrappedKeySize)
	}
	if bytes.Contains(w1, k[:8]) {
		t.Fatal("wrapped key contains the key")
	}
	w2, _ := WrapKey(kek, k, aad)
	if bytes.Equal(w1, w2) || bytes.Equal(w1[:24], w2[:24]) {
		t.Fatal("two wraps share a nonce")
	}
	for _, w := range [][]byte{w1, w2} {
		got, err := UnwrapKey(kek, w, aad)
		if err != nil || got != k {
			t.Fatalf("UnwrapKey: equal %v, %v", got == k, err)
		}
	}
	badAuth := map[string]func() (Key, error){
		"wrong kek":   func() (Key, error) { return UnwrapKey(testKey(0x22), w1, aad) },
		"wrong aad":   func() (Key, error) { return UnwrapKey(kek, w1, []byte("walrusfs chunk key v2")) },
		"missing aad": func() (Key, error) { return UnwrapKey(kek, w1, nil) },
	}
	for i := range w1 {
		badAuth[fmt.Sprintf("flipped byte %d", i)] = func() (Key, error) {
			c := bytes.Clone(w1)
			c[i] ^= 0x01
			return UnwrapKey(kek, c, aad)
		}
	}
	for name, f := range badAuth {
		got, err := f()
		if !errors.Is(err, ErrAuth) || got != (Key{}) || !strings.Contains(err.Error(), "unwrap key") {
			t.Errorf("%s: %v (zero key returned: %v), want ErrAuth", name, err, got == Key{})
		}
	}
	for _, n := range []int{0, 1, 24, 71, 73} {
		w := append(bytes.Clone(w1), make([]byte, 8)...)[:n]
		got, err := UnwrapKey(kek, w, aad)
		if !errors.Is(err, ErrInvalid) || got != (Key{}) || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes, want 72", n)) {
			t.Errorf("UnwrapKey(%d bytes) = %v, want ErrInvalid naming the length", n, err)
		}
	}
	if _, err := WrapKey(Key{}, k, aad); !errors.Is(err, ErrInvalid) {
		t.Errorf("WrapKey with a zero kek: %v, want ErrInvalid", err)
	}
	if _, err := WrapKey(kek, Key{}, aad); !errors.Is(err, ErrInvalid) {
		t.Errorf("WrapKey of a zero key: %v, want ErrInvalid", err)
	}
	// Errors never carry key bytes.
	_, err = UnwrapKey(testKey(0x22), w1, aad)
	if s := err.Error(); strings.Contains(s, hex.EncodeToString(k[:4])) || strings.Contains(s, hex.EncodeToString(kek[:4])) {
		t.Errorf("error %q contains key bytes", s)
	}
}
