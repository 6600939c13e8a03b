package sui

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	v2proto "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	suiv2 "github.com/block-vision/sui-go-sdk/sui/v2"
	"google.golang.org/protobuf/encoding/protowire"
)

// SUIType is the coin type of SUI, the gas coin.
const SUIType = "0x2::sui::SUI"

// maxGasCoins is Sui's max_gas_payment_objects.
const maxGasCoins = 256

// ReferenceGasPrice returns the reference gas price of the current Sui
// epoch (MIST per gas unit).
func (c *Client) ReferenceGasPrice(ctx context.Context) (uint64, error) {
	var p uint64
	err := c.try(ctx, "reading the reference gas price", func(cl suiv2.Client) error {
		resp, err := cl.GetReferenceGasPrice(ctx)
		if err != nil {
			return err
		}
		p, err = strconv.ParseUint(resp.ReferenceGasPrice, 10, 64)
		if err != nil || p == 0 {
			return fmt.Errorf("node reported reference gas price %q", resp.ReferenceGasPrice)
		}
		return nil
	})
	return p, err
}

// Coin is one Coin<T> object.
type Coin struct {
	Ref     ObjectRef
	Balance uint64
}

// Coins lists all Coin<coinType> objects of owner ("" = SUI), every page.
func (c *Client) Coins(ctx context.Context, owner, coinType string) ([]Coin, error) {
	if coinType == "" {
		coinType = SUIType
	}
	var out []Coin
	err := c.try(ctx, "listing "+coinType+" coins of "+owner, func(cl suiv2.Client) error {
		out = out[:0]
		var cursor *string
		for {
			resp, err := cl.ListCoins(ctx, suiv2.ListCoinsOptions{Owner: owner, CoinType: &coinType, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, o := range resp.Objects {
				v, err1 := strconv.ParseUint(o.Version, 10, 64)
				b, err2 := strconv.ParseUint(o.Balance, 10, 64)
				if err := errors.Join(err1, err2); err != nil || o.ObjectId == "" || o.Digest == "" {
					return fmt.Errorf("coin %q: version %q, balance %q, digest %q", o.ObjectId, o.Version, o.Balance, o.Digest)
				}
				out = append(out, Coin{Ref: ObjectRef{ID: o.ObjectId, Version: v, Digest: o.Digest}, Balance: b})
			}
			if !resp.HasNextPage || resp.Cursor == nil {
				return nil
			}
			cursor = resp.Cursor
		}
	})
	return out, err
}

// Balance is what an address holds of one coin type: in Coin objects and
// as address balance (which walrusfs cannot spend, see the transaction
// notes §6).
type Balance struct {
	CoinType       string
	Coins, Address uint64
}

// Balance returns owner's balance of coinType ("" = SUI). Over gRPC it
// reads address_balance and coin_balance of sui.rpc.v2 Balance (fields 4
// and 5, newer than the SDK's protos); a node without them, and
// JSON-RPC, report everything as coins.
func (c *Client) Balance(ctx context.Context, owner, coinType string) (Balance, error) {
	if coinType == "" {
		coinType = SUIType
	}
	b := Balance{CoinType: coinType}
	err := c.tryBackend(ctx, "reading the "+coinType+" balance of "+owner, func(be backend) error {
		if be.name != "gRPC" {
			resp, err := be.c.GetBalance(ctx, suiv2.GetBalanceOptions{Owner: owner, CoinType: &coinType})
			if err != nil {
				return err
			}
			b.Coins, err = strconv.ParseUint(resp.Balance.CoinBalance, 10, 64)
			return err
		}
		st, err := c.grpc.StateService(ctx)
		if err != nil {
			return err
		}
		resp, err := st.GetBalance(ctx, &v2proto.GetBalanceRequest{Owner: &owner, CoinType: &coinType})
		if err != nil {
			return err
		}
		total := resp.GetBalance().GetBalance()
		addr, coins, ok := balanceSplit(resp.GetBalance())
		if !ok {
			b.Coins = total
			return nil
		}
		if addr+coins != total {
			return fmt.Errorf("balance %d is not address balance %d + coins %d", total, addr, coins)
		}
		b.Address, b.Coins = addr, coins
		return nil
	})
	return b, err
}

// balanceSplit reads fields 4 (address_balance) and 5 (coin_balance) of
// a Balance from its unknown fields.
func balanceSplit(m *v2proto.Balance) (addr, coins uint64, ok bool) {
	raw := m.ProtoReflect().GetUnknown()
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return 0, 0, false
		}
		raw = raw[n:]
		if typ == protowire.VarintType && (num == 4 || num == 5) {
			v, n := protowire.ConsumeVarint(raw)
			if n < 0 {
				return 0, 0, false
			}
			raw = raw[n:]
			if num == 4 {
				addr = v
			} else {
				coins, ok = v, true
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, raw)
		if n < 0 {
			return 0, 0, false
		}
		raw = raw[n:]
	}
	return addr, coins, ok
}

// SelectCoins picks coins, largest first, until their balances reach
// amount, skipping the IDs in exclude (e.g. coins the transaction uses
// otherwise). At least one coin is picked even for amount 0.
func SelectCoins(coins []Coin, amount uint64, exclude map[string]bool) ([]Coin, error) {
	sorted := slices.Clone(coins)
	slices.SortFunc(sorted, func(a, b Coin) int {
		if a.Balance != b.Balance {
			if a.Balance > b.Balance {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Ref.ID, b.Ref.ID)
	})
	var out []Coin
	var have, total big.Int
	excluded := 0
	for _, c := range sorted {
		if exclude[c.Ref.ID] {
			excluded++
			continue
		}
		total.Add(&total, new(big.Int).SetUint64(c.Balance))
		if len(out) < maxGasCoins && (len(out) == 0 || have.Cmp(new(big.Int).SetUint64(amount)) < 0) {
			out = append(out, c)
			have.Add(&have, new(big.Int).SetUint64(c.Balance))
		}
	}
	if len(out) == 0 || have.Cmp(new(big.Int).SetUint64(amount)) < 0 {
		msg := fmt.Sprintf("sui: need %d, have %s in %d coins", amount, total.String(), len(coins)-excluded)
		if excluded > 0 {
			msg += fmt.Sprintf(" (%d more excluded)", excluded)
		}
		if len(out) == maxGasCoins {
			msg += fmt.Sprintf("; the largest %d hold only %s", maxGasCoins, have.String())
		}
		return nil, fmt.Errorf("%w: %s", ErrInsufficientCoins, strings.TrimPrefix(msg, "sui: "))
	}
	return out, nil
}

// ErrInsufficientCoins is returned (wrapped) when coins cannot cover an
// amount: by SelectCoins, and by Sender.Send when no gas coins cover the
// budget.
var ErrInsufficientCoins = errors.New("sui: not enough coins")
