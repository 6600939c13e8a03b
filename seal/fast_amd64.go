//go:build amd64 && !purego

package seal

import "golang.org/x/sys/cpu"

// haveBatch says whether this CPU runs the 16-lane ChaCha20 and 8-lane
// Poly1305 of openBatch (AVX-512 F, DQ for the gather masks).
var haveBatch = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL

//go:noescape
func chacha20XOR16(dst, src *byte, n int, state *[16]uint32)

//go:noescape
func poly1305x8(msgs *[8]uintptr, nblocks int, r *[5][8]uint64, h *[5][8]uint64)
