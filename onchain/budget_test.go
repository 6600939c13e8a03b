package onchain

import (
	"errors"
	"math/big"
	"path/filepath"
	"testing"
)

func TestBudget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spending.json")
	b, err := loadBudget(1000, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.check(5, big.NewInt(600)); err != nil {
		t.Fatal(err)
	}
	if err := b.add(5, big.NewInt(600)); err != nil {
		t.Fatal(err)
	}
	if err := b.check(5, big.NewInt(401)); !errors.Is(err, ErrOverBudget) {
		t.Fatalf("over the cap: %v", err)
	}
	// The count survives a restart, and a new epoch starts from zero.
	b, err = loadBudget(1000, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.check(5, big.NewInt(400)); err != nil {
		t.Fatal(err)
	}
	if err := b.check(5, big.NewInt(401)); !errors.Is(err, ErrOverBudget) {
		t.Fatalf("after a restart: %v", err)
	}
	if err := b.check(6, big.NewInt(1000)); err != nil {
		t.Fatalf("next epoch: %v", err)
	}
	if nb, _ := loadBudget(0, path); nb.check(5, big.NewInt(1e12)) != nil {
		t.Error("no cap refused spending")
	}
}
