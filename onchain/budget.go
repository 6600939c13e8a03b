package onchain

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"

	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/sui"
)

// ErrOverBudget: spending would pass Config.MaxWALPerEpoch.
var ErrOverBudget = errors.New("over the WAL spending cap")

// budget counts the WAL spent in the current epoch against a cap, kept in
// a file so that a restart within the epoch does not reset it.
type budget struct {
	max  uint64 // FROST per epoch; 0: no cap
	path string // "" keeps the count in memory
	// GUARDED_BY(Client.mu):
	Epoch uint32 `json:"epoch"`
	Spent string `json:"spent_frost"`
}

func loadBudget(max uint64, path string) (*budget, error) {
	b := &budget{max: max, path: path, Spent: "0"}
	if path == "" {
		return b, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("onchain: %w", err)
	}
	if err := json.Unmarshal(data, b); err != nil {
		return nil, fmt.Errorf("onchain: %s: %w", path, err)
	}
	return b, nil
}

func (b *budget) spent(epoch uint32) *big.Int {
	v, ok := new(big.Int).SetString(b.Spent, 10)
	if !ok || b.Epoch != epoch {
		return new(big.Int)
	}
	return v
}

// check refuses need if it would pass the cap in epoch.
func (b *budget) check(epoch uint32, need *big.Int) error {
	if b.max == 0 {
		return nil
	}
	total := new(big.Int).Add(b.spent(epoch), need)
	if capv := new(big.Int).SetUint64(b.max); total.Cmp(capv) > 0 {
		return fmt.Errorf("onchain: %w: this needs %s, %s already spent in epoch %d, the cap is %s per epoch (--max-wal-per-epoch)",
			ErrOverBudget, sui.FormatWAL(need), sui.FormatWAL(b.spent(epoch)), epoch, sui.FormatWAL(capv))
	}
	return nil
}

// add records spending in epoch.
func (b *budget) add(epoch uint32, v *big.Int) error {
	total := new(big.Int).Add(b.spent(epoch), v)
	b.Epoch, b.Spent = epoch, total.String()
	if b.path == "" {
		return nil
	}
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(b.path, data, &atomicfile.Options{Perm: 0o600})
}
