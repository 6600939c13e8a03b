//go:build !amd64 || purego

package seal

const haveBatch = false

func chacha20XOR16(dst, src *byte, n int, state *[16]uint32) {
	panic("seal: chacha20XOR16 without AVX-512")
}

func poly1305x8(msgs *[8]uintptr, nblocks int, r *[5][8]uint64, h *[5][8]uint64) {
	panic("seal: poly1305x8 without AVX-512")
}
