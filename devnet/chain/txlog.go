package chain

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Executed transactions are appended to a log (one JSON record a line)
// instead of being rewritten with the state each time: the log is
// written and synced first, then the state file, whose Order says how
// many records count. Records past it (a crash between the two writes)
// are cut off on Open.
const txLogFile = "transactions.jsonl"

func (c *Chain) appendTx(rec *txRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("chain: encoding transaction %s: %w", rec.Result.Digest, err)
	}
	f, err := os.OpenFile(filepath.Join(c.dir, txLogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("chain: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("chain: appending transaction %s to %s: %w", rec.Result.Digest, txLogFile, err)
	}
	return nil
}

// loadTxs reads the records of st.Order from the log in dir, cuts off
// any later ones and restores the checkpoint numbers.
func loadTxs(dir string, st *state) error {
	path := filepath.Join(dir, txLogFile)
	st.Txs = make(map[string]*txRecord, len(st.Order))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("chain: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var off int64
	for i := range st.Order {
		line, err := r.ReadBytes('\n')
		if err == io.EOF || (err == nil && len(bytes.TrimSpace(line)) == 0) {
			return fmt.Errorf("chain: %s holds %d transactions, the state names %d", path, i, len(st.Order))
		}
		if err != nil {
			return fmt.Errorf("chain: %s: %w", path, err)
		}
		off += int64(len(line))
		rec := &txRecord{}
		if err := json.Unmarshal(line, rec); err != nil {
			return fmt.Errorf("chain: %s record %d: %w", path, i, err)
		}
		if rec.Result.Digest != st.Order[i] {
			return fmt.Errorf("chain: %s record %d is transaction %s, the state names %s", path, i, rec.Result.Digest, st.Order[i])
		}
		if i < st.CPDone {
			rec.Result.Checkpoint = uint64(i + 1) // one transaction per checkpoint
		}
		st.Txs[rec.Result.Digest] = rec
	}
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("chain: %s: %w", path, err)
	}
	return nil
}
