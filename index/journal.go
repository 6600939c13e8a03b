package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// The journal is the index's write-ahead log. bbolt makes a commit durable
// with two fdatasyncs and rewrites every page on the path to a change, far
// too slow to do per metadata operation (a small-file create + close cost
// ~4 fsyncs). Instead the Index keeps one bbolt write transaction open and
// applies every operation to it; each successful operation appends one
// record with its physical effect (the absolute new value of every key it
// wrote, every key it deleted, every bucket sequence it set) to this file
// at once (so a killed daemon loses nothing), and Sync makes the records
// durable with a single fdatasync of an already-allocated region. A
// checkpoint commits the bbolt transaction (fully synced) and starts the
// journal over under a new generation. Open replays the records of the
// generation recorded in bbolt. Records hold absolute values, so replaying
// a suffix of history onto a state that already contains it is harmless.
//
// File layout: records back to back from offset 0, each
//
//	u32 magic | u32 payload length | u64 generation | u64 sequence |
//	u32 CRC-32C of (generation, sequence, payload) | payload
//
// and the payload is a list of operations:
//
//	opPut  u8 bucket | uvarint key length | key | uvarint value length | value
//	opDel  u8 bucket | uvarint key length | key
//	opSeq  u8 bucket | u64 sequence
//
// Replay stops at the first record that is torn, fails its CRC, belongs to
// another generation or breaks the sequence: anything after it was never
// acknowledged as durable. Stale records of older generations that a shorter
// newer generation did not overwrite are never taken, since their
// generation differs.

const (
	journalMagic  = 0x574a524e // "WJRN"
	journalHeader = 28
	// journalGrow is how much zero-filled space is added ahead of the write
	// offset, so Sync is an overwrite of allocated blocks (one device flush,
	// no file-system metadata).
	journalGrow = 4 << 20

	opPut byte = 1
	opDel byte = 2
	opSeq byte = 3
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// journal is the open journal file. Its fields are guarded by Index.mu,
// except f.Fd used by sync (fdatasync is safe next to concurrent writes).
type journal struct {
	f      *os.File
	gen    uint64 // generation of the records being written
	seq    uint64 // sequence number of the next record
	off    int64  // write offset of the next record
	alloc  int64  // bytes of the file known to be allocated (written)
	noSync bool
	hdr    [journalHeader]byte
	buf    []byte // header and payload of the record being written, reused
}

// maxKeptBuf bounds the buffers kept for reuse between records (the
// journal's and the Index's record builder): most records are small, and
// one large record must not pin its buffer.
const maxKeptBuf = 1 << 20

func openJournal(path string, noSync bool) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &journal{f: f, alloc: fi.Size(), noSync: noSync}, nil
}

// replay reads the records of generation gen from the start of the file and
// calls apply on each payload in order. It returns how many were applied.
// An error from apply stops it and is returned.
func (j *journal) replay(gen uint64, apply func(payload []byte) error) (int, error) {
	data, err := io.ReadAll(io.NewSectionReader(j.f, 0, 1<<62))
	if err != nil {
		return 0, fmt.Errorf("reading journal: %w", err)
	}
	n := 0
	for off := 0; off+journalHeader <= len(data); {
		h := data[off : off+journalHeader]
		if binary.BigEndian.Uint32(h[0:4]) != journalMagic {
			break
		}
		plen := int(binary.BigEndian.Uint32(h[4:8]))
		g, s := binary.BigEndian.Uint64(h[8:16]), binary.BigEndian.Uint64(h[16:24])
		if g != gen || s != uint64(n) || plen > len(data)-off-journalHeader {
			break
		}
		payload := data[off+journalHeader : off+journalHeader+plen]
		if crc := crc32.Update(crc32.Checksum(h[8:24], crcTable), crcTable, payload); crc != binary.BigEndian.Uint32(h[24:28]) {
			break
		}
		if err := apply(payload); err != nil {
			return n, fmt.Errorf("journal record %d: %w", n, err)
		}
		n++
		off += journalHeader + plen
	}
	return n, nil
}

// reset starts generation gen at offset 0.
func (j *journal) reset(gen uint64) {
	j.gen, j.seq, j.off = gen, 0, 0
}

// append writes one record. The bytes reach the page cache before it
// returns (a killed process loses nothing); Sync makes them durable.
func (j *journal) append(payload []byte) error {
	need := j.off + journalHeader + int64(len(payload))
	if need > j.alloc {
		if err := j.grow(need); err != nil {
			return err
		}
	}
	h := j.hdr[:]
	binary.BigEndian.PutUint32(h[0:4], journalMagic)
	binary.BigEndian.PutUint32(h[4:8], uint32(len(payload)))
	binary.BigEndian.PutUint64(h[8:16], j.gen)
	binary.BigEndian.PutUint64(h[16:24], j.seq)
	binary.BigEndian.PutUint32(h[24:28], crc32.Update(crc32.Checksum(h[8:24], crcTable), crcTable, payload))
	j.buf = append(append(j.buf[:0], h...), payload...)
	_, err := j.f.WriteAt(j.buf, j.off)
	if cap(j.buf) > maxKeptBuf {
		j.buf = nil
	}
	if err != nil {
		return err
	}
	j.off = need
	j.seq++
	return nil
}

// grow zero-fills the file up to at least need plus journalGrow and makes
// the new size durable, so later syncs only flush data blocks.
func (j *journal) grow(need int64) error {
	target := need + journalGrow
	zero := make([]byte, 1<<20)
	pos := j.alloc
	for ; pos < target; pos += int64(len(zero)) {
		if _, err := j.f.WriteAt(zero, pos); err != nil {
			return err
		}
	}
	if !j.noSync {
		if err := j.f.Sync(); err != nil {
			return err
		}
	}
	j.alloc = pos
	return nil
}

// sync makes every record written so far durable.
func (j *journal) sync() error {
	if j.noSync {
		return nil
	}
	return unix.Fdatasync(int(j.f.Fd()))
}

func (j *journal) close() error { return j.f.Close() }

// recordBuilder accumulates the payload of one record.
type recordBuilder struct{ b []byte }

func (r *recordBuilder) put(bucket byte, k, v []byte) {
	r.b = append(r.b, opPut, bucket)
	r.b = binary.AppendUvarint(r.b, uint64(len(k)))
	r.b = append(r.b, k...)
	r.b = binary.AppendUvarint(r.b, uint64(len(v)))
	r.b = append(r.b, v...)
}

func (r *recordBuilder) del(bucket byte, k []byte) {
	r.b = append(r.b, opDel, bucket)
	r.b = binary.AppendUvarint(r.b, uint64(len(k)))
	r.b = append(r.b, k...)
}

func (r *recordBuilder) seq(bucket byte, v uint64) {
	r.b = append(r.b, opSeq, bucket)
	r.b = binary.BigEndian.AppendUint64(r.b, v)
}

var errBadRecord = errors.New("malformed journal record")

// decodeOps calls fn for every operation of a payload. Slices point into
// payload.
func decodeOps(payload []byte, fn func(op, bucket byte, k, v []byte, seq uint64) error) error {
	for p := payload; len(p) > 0; {
		if len(p) < 2 {
			return errBadRecord
		}
		op, bucket := p[0], p[1]
		p = p[2:]
		var k, v []byte
		var seq uint64
		var ok bool
		switch op {
		case opPut:
			if k, p, ok = uvarintBytes(p); ok {
				v, p, ok = uvarintBytes(p)
			}
		case opDel:
			k, p, ok = uvarintBytes(p)
		case opSeq:
			if ok = len(p) >= 8; ok {
				seq, p = binary.BigEndian.Uint64(p), p[8:]
			}
		}
		if !ok {
			return errBadRecord
		}
		if err := fn(op, bucket, k, v, seq); err != nil {
			return err
		}
	}
	return nil
}

func uvarintBytes(p []byte) (b, rest []byte, ok bool) {
	n, w := binary.Uvarint(p)
	if w <= 0 || n > uint64(len(p)-w) {
		return nil, nil, false
	}
	return p[w : w+int(n)], p[w+int(n):], true
}
