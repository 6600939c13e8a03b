package suitx

import (
	"errors"
	"fmt"

	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/sui"
)

// MergeWAL builds a transaction that merges coins of one type (WAL, or
// SUI coins that are not paying for gas) into the first one, so that later
// transactions need fewer coin inputs.
//
// Commands: one MergeCoins.
func MergeWAL(sender string, gas Gas, coins []sui.ObjectRef) (_ []byte, err error) {
	defer wrap(&err, "merge")
	c, err := begin(sender, gas)
	if err != nil {
		return nil, err
	}
	if len(coins) < 2 {
		return nil, fmt.Errorf("%d coins, want at least 2", len(coins))
	}
	if _, err := c.wal(coins); err != nil {
		return nil, err
	}
	return c.finish()
}

// Transfer builds a transaction that transfers owned objects (Blob or
// Storage objects, coins) to recipient.
//
// Commands: one TransferObjects.
func Transfer(sender string, gas Gas, objects []sui.ObjectRef, recipient string) (_ []byte, err error) {
	defer wrap(&err, "transfer")
	c, err := begin(sender, gas)
	if err != nil {
		return nil, err
	}
	if len(objects) == 0 {
		return nil, errors.New("no objects")
	}
	to, err := parseAddress(recipient, "recipient")
	if err != nil {
		return nil, err
	}
	args := make([]transaction.Argument, len(objects))
	for i, o := range objects {
		if args[i], err = c.object(o, fmt.Sprintf("object %d", i)); err != nil {
			return nil, err
		}
	}
	c.b.transferObjects(args, c.b.address(to))
	return c.finish()
}
