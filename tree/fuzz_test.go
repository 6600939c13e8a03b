package tree

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// FuzzOpenNode drives the node decoder (the part of OpenNode after
// authentication) with arbitrary bodies, and the inflate+decode path with
// arbitrary compressed streams. Neither may panic; a body the decoder
// accepts must re-encode to the same bytes (one encoding per node) and
// seal and open again to the same node.
func FuzzOpenNode(f *testing.F) {
	for _, n := range []Node{{}, sampleNode(), randomNode(rand.New(rand.NewPCG(1, 1)), 20)} {
		body, err := encodeNode(n, true)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
		comp, err := deflate(body)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(comp)
	}
	f.Add([]byte{0, 1, 1, 'a', 4, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := decodeNode(data)
		if err == nil {
			again, err := encodeNode(n, true)
			if err != nil {
				t.Fatalf("decoded node does not re-encode: %v", err)
			}
			if !bytes.Equal(again, data) {
				t.Fatalf("decoded node re-encodes differently:\n in % x\nout % x", data, again)
			}
			sealed, err := SealNode(testKey(1), n)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := OpenNode(testKey(1), sealed); err != nil {
				t.Fatalf("decoded node does not open after sealing: %v", err)
			}
		}
		_, _ = decodeCompressed(data)
	})
}

// FuzzParse checks that ParseShare and ParseRecovery never panic and that
// what they accept encodes back to the same string.
func FuzzParse(f *testing.F) {
	f.Add(sampleShare(false).String())
	f.Add(sampleShare(true).String())
	rec, _ := sampleRecovery().Encode()
	f.Add(rec)
	f.Add("wfs1-")
	f.Add("wfs2-AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		if sh, err := ParseShare(s); err == nil {
			if out, err := sh.Encode(); err != nil || out != trimmed(s) {
				t.Fatalf("share %q parses but encodes to %q, %v", s, out, err)
			}
		}
		if r, err := ParseRecovery(s); err == nil {
			if out, err := r.Encode(); err != nil || out != trimmed(s) {
				t.Fatalf("recovery %q parses but encodes to %q, %v", s, out, err)
			}
		}
	})
}

func trimmed(s string) string { return string(bytes.TrimSpace([]byte(s))) }
