package rs2

import (
	"testing"
)

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(7*i + 13)
	}
	return b
}

// Vectors measured with @mysten/walrus-wasm 0.3.0 (shared/walrus-protocol.md §2.6).
var docVectors = []struct {
	name string
	data []byte
	n    int
	id   string
	root string
}{
	{"empty", nil, 10, "gLzpD29smKZiYJIWwKatudKr76kEprQeMPyAhuMbWd4", "1b47c1f6e53ac3314f910d610e1a3e961dcf22184c8a969d6552e48cc26d1ac8"},
	{"hello", []byte("hello walrus"), 10, "5g7EUy58ReQir0t11jz709ae5cdZT24btlovkXo28U8", "8d73426967a532d3bc1aab4bc9df2fa6009eaa505cba626cd86449ea2fe0b82b"},
	{"P1MiB", pattern(1 << 20), 10, "-Gdkw-FoU2KwQAOQGJBRiQT0W0zyFDFD5bGNItSA-Y8", "aa795624e954537b7ab4fa5162e5758eb0e486120d8bc4307c1e44924d10168b"},
	{"zero1MiB", make([]byte, 1<<20), 10, "sZ9O0eH6ftKBTwYZg1nlaEXOQpvP2Fj04b_NAnKxSGw", "5dc311bc5816f58cf76477f1180efd5761fc4918628d68b143ff5d1e51d9a985"},
	{"empty", nil, 1000, "3GPQL3HZNnFhN_F7l5Aa-X1VOtAKwIsg9zuWk8R81v4", "e3fb10a9d88c9e7157c5e112dd6916e44011f5a9d6460bced51ebacf9308e1da"},
	{"hello", []byte("hello walrus"), 1000, "kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I", "e9f5feb3289dd18904088ddac61027178b139dc05cd7a185a8dbd51b3fa0380f"},
	{"P1MiB", pattern(1 << 20), 1000, "AOGLGy-xkgThw5z9o3as-P9c5YezAywHJRUEQCUu9AY", "7b96c4f73d8825dac8d851a9ff9749963f0bdf20f3d3157955bd8b3d055a976b"},
	{"zero1MiB", make([]byte, 1<<20), 1000, "R14fhH97oZr7aRNQlb-HuiBx1WGxQLhmYnAeTSD6ink", "b03723e64debb721d6b6b32abcd984265c192c04c9396fe93e198b5904a1f2c2"},
	{"P16MiB", pattern(16 << 20), 1000, "5R1h_byJAfOMBlzEfL3Ca07-E5U36GXVo1Vs_sLD9NI", "c01c428a34e9bda1f58948adc68f65d58a4ee4e33c57bf4acafbc9327c5b2451"},
	{"P64MiB", pattern(64 << 20), 1000, "qkGHZQ8y4zpsrslyvkU475WI1QIjYG0bAOoV6JCEB3Q", "67a7c7000c5a72888f8f345389b70285f8c5285e3d5e0e96ddcf2539ecc2bc94"},
}

func TestDocVectors(t *testing.T) {
	for _, v := range docVectors {
		if (testing.Short() || raceEnabled) && len(v.data) > 1<<20 {
			continue
		}
		e, err := NewEncoder(v.n)
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.ComputeMetadata(v.data)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.RootHash().String(); got != v.root {
			t.Errorf("%s/n=%d: root %s, want %s", v.name, v.n, got, v.root)
		}
		if got := m.BlobID().String(); got != v.id {
			t.Errorf("%s/n=%d: blob ID %s, want %s", v.name, v.n, got, v.id)
		}
	}
}
