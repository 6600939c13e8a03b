// Package seal is the on-blob format of an encrypted walrusfs chunk and the
// key utilities around it.
//
// Walrus blobs are public, so walrusfs stores only ciphertext. This package
// fixes how a chunk's plaintext becomes the bytes of its blob (or of its
// extent in a pack), how a range of it is read back, and how keys are
// derived and kept wrapped in the local index. Changing anything below
// changes the on-Walrus format.
//
// # Chunk format
//
// A chunk of L plaintext bytes (L >= 0) is encrypted under its own key Kc
// (a Key, 32 bytes):
//
//   - The plaintext is cut into segments of SegmentSize = 65536 bytes; the
//     last segment is shorter, or as long when 65536 divides L. The number
//     of segments is N = max(1, ceil(L/65536)): an empty chunk has exactly
//     one, empty, segment.
//   - Segment i (0 <= i < N) is sealed with ChaCha20-Poly1305 (RFC 8439) under
//     Kc with the 12-byte nonce i as an 11-byte big-endian integer followed
//     by one flag byte, 0x01 for the last segment (i = N-1) and 0x00 for
//     every other, and with empty additional data. Its ciphertext is the
//     segment's length plus a TagSize = 16-byte tag.
//   - The sealed chunk is the concatenation of the sealed segments, in
//     order, and nothing else: its length is L + 16*N (SealedSize), and
//     sealed segment i starts at byte i*65552.
//
// This is exactly the payload of age's STREAM construction (filippo.io/age,
// internal/stream) with Kc used directly as the payload key. The nonce binds
// every segment to its position, and the flag to whether the chunk ends
// there, so reordered, duplicated, dropped or appended segments and
// truncation at a segment boundary all fail authentication (ErrAuth), never
// yield wrong plaintext. Lengths that no L produces (PlainSize) are rejected
// as ErrInvalid before any decryption.
//
// # No header
//
// The blob carries no header, magic, version or nonce: the key, the
// plaintext length and the format version live in the local index entry
// (and in the encrypted tree node) that points at the chunk. So the blob is
// the bare ciphertext: its Walrus blob ID verifies the ciphertext exactly as
// for unencrypted data, and the AEAD tags then verify plaintext and
// position. A header would only repeat what the entry must hold anyway, and
// would leak a recognisable format marker to everyone reading public blobs.
//
// # Keys are never reused
//
// The segment nonces are counters that start at 0 for every chunk, so a key
// must encrypt exactly one plaintext. Every stored chunk version gets a fresh
// random Kc (NewKey): a rewrite of a chunk, even of one byte, draws a new
// key, and an index restored from a backup cannot lead to a key being used
// again for different data. (Deterministic keys derived from a content hash
// for deduplication keep this rule: equal keys then mean equal plaintext.)
//
// # Range reads
//
// A reader that knows L and wants plaintext [off, off+n) fetches the whole
// segments that overlap the range (Span: at most one partially used segment
// at each end) and opens them with OpenSegments, which derives every
// segment's nonce flag and size from L. Seal and Open handle whole chunks;
// both spread large chunks over GOMAXPROCS goroutines and produce the same
// bytes as a sequential run.
//
// # Key hierarchy helpers
//
// Derive(master, label) = HKDF-SHA256(ikm = master, salt = none,
// info = "walrusfs " + label), 32 bytes. Chunk keys are kept in the local
// index wrapped under a key derived from the volume master key:
// WrapKey(kek, k, aad) = nonce ‖ XChaCha20-Poly1305(kek, nonce, k, aad)
// with a random 24-byte nonce, 72 bytes (WrappedKeySize); aad is supplied by
// the caller and not stored. UnwrapKey reverses it.
//
// Key values never print their bytes (fmt, log/slog), and the zero Key is
// refused as a sign of an uninitialised variable.
package seal
