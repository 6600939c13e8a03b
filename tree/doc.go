// Package tree is the on-Walrus format of a walrusfs volume's directory
// tree, format version 1: encrypted directory nodes, commit records, share
// and recovery strings, and a lazy reader over them.
//
// It is pure encoding, decoding and sealing. It knows nothing of the local
// index, the uploader or Sui: the caller decides which directories changed,
// writes the sealed nodes and the commit record into pack blobs, records
// where they landed (a Loc) and points the chain at the commit. Changing
// anything below changes the on-Walrus format.
//
// # Keys
//
// From the volume master key M (a seal.Key), with seal.Derive
// (HKDF-SHA256, info "walrusfs " + label):
//
//	R       = Derive(M, "tree read v1")    reads the whole tree, every snapshot
//	Kcommit = Derive(R, "tree commit v1")  seals commit records      (Keys.Commit)
//	Kroot   = Derive(R, "tree root v1")    seals the root's node     (Keys.Root)
//
// Every other directory has its own random key Kd (seal.NewKey), kept by
// the caller across versions and renames of the directory, and stored in
// its parent's entry. A file's chunks are sealed under their own chunk keys
// (package seal), stored raw in the file's entry. So the key of a node
// opens that node, and through the keys inside it the subtree below, and
// nothing above or beside it: sharing a directory is giving its node's
// location and its Kd (a Share). Revoking a share for future snapshots
// means a new Kd for that directory.
//
// Holding R reveals every snapshot but not M; M itself is only in the
// volume key file and in recovery strings.
//
// # Locations
//
// A Loc{Blob, Off, Len} is where sealed bytes sit: Len bytes from byte Off
// of the Walrus blob Blob (offsets and lengths below 2^62, the blob ID
// non-zero). The blob ID verifies the ciphertext; the AEAD tag then
// verifies the plaintext.
//
// # Sealed records
//
// Directory nodes, file nodes and commit records are all sealed the same
// way, with XChaCha20-Poly1305 under their key and a random 24-byte nonce:
//
//	sealed = nonce (24) ‖ ciphertext ‖ tag (16)
//
// with additional data naming the kind and the format version, so that a
// record of one kind never opens as another:
//
//	directory node  "walrusfs tree node v1"        key Kd (Kroot for the root)
//	file node       "walrusfs tree file node v1"   key chosen by the sharer
//	commit record   "walrusfs tree commit v1"      key Kcommit
//
// The plaintext of a node is its body (below) compressed as a raw DEFLATE
// stream (RFC 1951, compress/flate) that must end exactly at the end of the
// plaintext and inflate to at most MaxNodeSize bytes; the sealed node is at
// most MaxNodeSize bytes too. A commit record is not compressed. Random
// nonces are needed because Kd encrypts every version of its directory.
//
// # Primitives
//
//	uvarint   unsigned LEB128 (encoding/binary), at most 10 bytes, minimal:
//	          a multi-byte encoding must not end in a zero byte
//	varint    a signed integer zigzag-encoded as a uvarint (binary.AppendVarint)
//	string    uvarint length ‖ bytes
//	id        32 bytes (a blob ID or a key, raw)
//	times     varint mtime ‖ varint (atime − mtime) ‖ varint (ctime − mtime),
//	          Unix nanoseconds; the differences wrap in two's complement
//	xattrs    uvarint count ‖ count × (string name ‖ string value), names
//	          1..255 bytes without NUL, sorted in byte order, unique; values
//	          at most 65536 bytes
//
// Every decoder rejects trailing bytes, so every record has exactly one
// encoding (apart from the nonce).
//
// # Node body
//
//	body   = uvarint nblobs ‖ nblobs × id    the blob table
//	         uvarint nentries ‖ nentries × entry
//	entry  = string name ‖ byte type ‖ uvarint mode ‖ uvarint uid ‖ uvarint gid
//	         ‖ uvarint size ‖ times ‖ xattrs ‖ typed
//	typed  = file (1):          uvarint linkgroup ‖ uvarint chunksize
//	                            ‖ uvarint nchunks ‖ nchunks × chunk
//	         dir (2):           uvarint blobref ‖ uvarint off ‖ uvarint len ‖ id Kd
//	         symlink (3):       string target
//	         fifo (4), socket (5): nothing
//	         char (6), block device (7): uvarint rdev
//	chunk  = uvarint index (the first chunk: the index; the next ones: the
//	         index − previous index − 1) ‖ uvarint len ‖ byte flags
//	         (0 sealed, 1 plain) ‖ uvarint blobref ‖ uvarint off ‖ uvarint length
//	         ‖ (sealed only) id chunk key
//
// A blobref is an index into the node's blob table. The table lists each
// blob the node refers to exactly once, in the order of first reference
// (so blobref i, when first used, is the highest used so far plus one),
// and every entry of the table is used.
//
// Type values are index.Type's. Names are 1..255 bytes without '/' or NUL,
// not "." or "..", sorted in byte order and unique. mode is the permission
// bits (at most 07777), uid, gid and rdev fit in 32 bits. size is the file
// size in bytes (for a directory, whatever the caller stores; for a symlink
// usually the target's length). linkgroup is 0 for a file with one name
// and, for a file with several (hard links), a non-zero number equal in
// the entries of all its names, so that a reader can rebuild the links.
// A symlink target is 1..4095 bytes without NUL.
//
// Chunk i of a file covers the file bytes [i*chunksize, i*chunksize+len);
// chunks are listed by increasing index, each with 1 <= len <= chunksize
// and ending within size; chunks not listed are holes. A sealed chunk's
// extent is a seal chunk of seal.PlainSize(length) >= len plaintext bytes
// under the chunk key (a truncated file keeps a longer extent; only the
// first len bytes are file bytes); a plain chunk's extent is the bytes
// themselves, length >= len. A directory's Child location must be able to
// hold a sealed node (24+16 to MaxNodeSize bytes) and its Kd is non-zero.
// A Child (and a commit's root location), or a chunk of a directory
// node's file entry, whose blob ID is all zeros is relative: it names the
// blob that holds the node (or commit) it is read from. A commit writes
// its new nodes and the commit record in one blob, whose ID is known only
// once all of them are in it, and may write them into a pack blob whose
// small files they name; Reader resolves relative locations as it opens
// records. A file node's chunks are never relative.
//
// A file node (a shared file) is a node body with exactly one entry, of a
// regular file; the name is the file's name when shared.
//
// # Commit record
//
//	commit = 16 bytes volume ID ‖ uvarint seq ‖ varint time (Unix ns)
//	         ‖ byte 0 (no parent) | byte 1 ‖ loc parent
//	         ‖ loc root
//	         ‖ uvarint mode ‖ uvarint uid ‖ uvarint gid ‖ times ‖ xattrs   (the root directory's attributes)
//	         ‖ uvarint files ‖ uvarint bytes
//	loc    = id blob ‖ uvarint off ‖ uvarint len
//
// The volume ID is non-zero; root is the root directory's node (key
// Kroot); parent is the previous commit record (key Kcommit), so that the
// history can be listed from the latest commit back. files and bytes are
// totals for listings.
//
// # Share and recovery strings
//
// A share string is a read-only capability for one snapshot of one
// directory (and all below it) or one file:
//
//	"wfs1-" ‖ base64url-nopad( byte 1 (version) ‖ byte kind (0 directory,
//	          1 file) ‖ string network ‖ loc node ‖ id key ‖ crc )
//
// A recovery string is everything needed to reopen the whole volume on a
// new machine without a wallet:
//
//	"wfsr1-" ‖ base64url-nopad( byte 1 (version) ‖ 16 bytes volume ID
//	          ‖ string network ‖ loc latest commit ‖ id master key M ‖ crc )
//
// The network is the Walrus network's name (1..16 bytes of a-z, 0-9, '-',
// '_', '.'). crc is the CRC-32C (Castagnoli) of the bytes before it, big
// endian: it detects every error burst of up to 32 bits, so every
// single-character change of the text (6 bits) fails with "checksum
// mismatch: mistyped or damaged" (ErrChecksum) rather than naming another
// node; base64url is decoded strictly (non-zero trailing bits are
// rejected). A prefix of another version ("wfs2-") is ErrVersion, a
// string that is not one of these at all ErrSyntax. A share string is
// about 120 characters (at most 140), a recovery string about 140 (at most
// 160).
//
// A share string reveals its subtree to whoever holds it. A recovery
// string contains M: it is as secret as the volume key itself and reveals
// every snapshot; store it like a password. Errors never quote either
// string, and Share's and Recovery's GoString and LogValue redact the key.
// Share.String returns the capability (print it only on purpose); Recovery
// has no String method for this reason (use Encode).
//
// # Reading
//
// A Reader fetches nodes through a Fetcher (verified range reads of blobs)
// and keeps the opened ones in an LRU cache keyed by location, key and
// kind. Lookup resolves a path; Walk visits a whole subtree depth first
// (for recovery). ReadChunk reads a plaintext range of one chunk, fetching
// only the 64 KiB segments that hold it. A tree read from someone else's
// share is untrusted: the decoders validate everything and never panic,
// and Walk refuses cycles; but a hostile tree can still make a walk large
// (the same subtree referenced many times), so walks honour ctx.
package tree
