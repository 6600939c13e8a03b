package rs2

import (
	"errors"
	"testing"
)

func TestParams(t *testing.T) {
	for _, v := range []struct{ n, f, p, s int }{{4, 1, 2, 3}, {10, 3, 4, 7}, {100, 33, 34, 67}, {1000, 333, 334, 667}} {
		p, err := NewParams(v.n)
		if err != nil || p.F != v.f || p.P != v.p || p.S != v.s {
			t.Errorf("n=%d: %+v %v", v.n, p, err)
		}
	}
	for _, n := range []int{-1, 0, 1, 2, 3} {
		if _, err := NewParams(n); !errors.Is(err, ErrTooFewShards) {
			t.Errorf("n=%d: %v", n, err)
		}
	}
	if _, err := NewEncoder(3); !errors.Is(err, ErrTooFewShards) {
		t.Errorf("NewEncoder(3): %v", err)
	}
	p, _ := NewParams(1000)
	for _, v := range []struct {
		l  uint64
		ss int
	}{{0, 2}, {1, 2}, {445556, 2}, {445557, 4}, {1 << 20, 6}, {16 << 20, 76}, {64 << 20, 302}} {
		if ss, err := p.SymbolSize(v.l); err != nil || ss != v.ss {
			t.Errorf("SymbolSize(%d) = %d, %v; want %d", v.l, ss, err, v.ss)
		}
	}
	if p.MaxBlobSize() != 14599533452 {
		t.Errorf("max blob size %d", p.MaxBlobSize())
	}
	if _, err := p.SymbolSize(p.MaxBlobSize()); err != nil {
		t.Error(err)
	}
	if _, err := p.SymbolSize(p.MaxBlobSize() + 1); !errors.Is(err, ErrDataTooLarge) {
		t.Errorf("one byte over: %v", err)
	}
	for _, v := range []struct{ l, enc uint64 }{{17, 66034000}, {1 << 20, 70038000}, {64 << 20, 366334000}} {
		if got, _ := p.EncodedLength(v.l); got != v.enc {
			t.Errorf("EncodedLength(%d) = %d, want %d", v.l, got, v.enc)
		}
	}
	p10, _ := NewParams(10)
	if p10.MaxBlobSize() != 1834952 {
		t.Errorf("n=10 max %d", p10.MaxBlobSize())
	}
}
