package chain

import (
	"encoding/binary"
	"fmt"
	"math"
)

// arg resolves a command argument.
func (x *exec) arg(a argument) (*value, *failure) {
	switch a.Kind {
	case argGas:
		return x.gas, nil
	case argInput:
		if int(a.Index) >= len(x.inputs) {
			return nil, &failure{msg: fmt.Sprintf("IndexOutOfBounds { idx: %d }", a.Index)}
		}
		return x.inputs[a.Index], nil
	case argResult, argNested:
		if int(a.Index) >= len(x.results) {
			return nil, &failure{msg: fmt.Sprintf("IndexOutOfBounds { idx: %d } (%s)", a.Index, a)}
		}
		rs := x.results[a.Index]
		j := int(a.Nested)
		if a.Kind == argResult {
			if len(rs) != 1 {
				return nil, &failure{msg: fmt.Sprintf("InvalidResultArity { result_idx: %d }", a.Index)}
			}
			j = 0
		}
		if j >= len(rs) {
			return nil, &failure{msg: fmt.Sprintf("SecondaryIndexOutOfBounds { result_idx: %d, secondary_idx: %d }", a.Index, j)}
		}
		return rs[j], nil
	}
	return nil, &failure{msg: "invalid argument"}
}

// objArg resolves argument i of a call as an object of type typ (nil
// checker = any type). byValue moves it; mutable needs a mutable shared
// input. It returns the working copy.
func (x *exec) objArg(a argument, i int, typ string, byValue, mutable bool) (*value, *object, *failure) {
	v, f := x.arg(a)
	if f != nil {
		return nil, nil, f
	}
	if v.obj == "" {
		return nil, nil, argError(i, "TypeMismatch")
	}
	if v.moved {
		return nil, nil, argError(i, "InvalidValueUsage")
	}
	if v.shared && byValue {
		return nil, nil, argError(i, "InvalidObjectByValue")
	}
	if v.shared && mutable && !v.mutable {
		return nil, nil, argError(i, "InvalidObjectByMutRef")
	}
	if v.gas && byValue {
		return nil, nil, argError(i, "InvalidGasCoinUsage")
	}
	var o *object
	if v.shared && !v.mutable {
		o = x.st.Objects[v.obj] // read only: stays out of the written set
	} else {
		o = x.get(v.obj)
	}
	if o == nil {
		return nil, nil, argError(i, "InvalidValueUsage")
	}
	if typ != "" && o.Type != typ {
		return nil, nil, argError(i, "TypeMismatch")
	}
	if byValue {
		v.moved = true
	}
	return v, o, nil
}

// pureArg returns argument i as pure bytes of exactly n bytes (n < 0: a
// vector<u8>, whose contents are returned).
func (x *exec) pureArg(a argument, i, n int) ([]byte, *failure) {
	v, f := x.arg(a)
	if f != nil {
		return nil, f
	}
	if v.obj != "" || v.pure == nil {
		return nil, argError(i, "TypeMismatch")
	}
	if n >= 0 {
		if len(v.pure) != n {
			return nil, argError(i, "InvalidBCSBytes")
		}
		return v.pure, nil
	}
	d := &dec{b: v.pure}
	b := d.bytes()
	if d.done("vector<u8>") != nil {
		return nil, argError(i, "InvalidBCSBytes")
	}
	return b, nil
}

func (x *exec) u64Arg(a argument, i int) (uint64, *failure) {
	b, f := x.pureArg(a, i, 8)
	if f != nil {
		return 0, f
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (x *exec) u32Arg(a argument, i int) (uint32, *failure) {
	b, f := x.pureArg(a, i, 4)
	if f != nil {
		return 0, f
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (x *exec) boolArg(a argument, i int) (bool, *failure) {
	b, f := x.pureArg(a, i, 1)
	if f != nil {
		return false, f
	}
	if b[0] > 1 {
		return false, argError(i, "InvalidBCSBytes")
	}
	return b[0] == 1, nil
}

func (x *exec) command(c command) ([]*value, *failure) {
	switch c.Kind {
	case cmdSplit:
		return x.splitCoins(c)
	case cmdMerge:
		return nil, x.mergeCoins(c)
	case cmdTransfer:
		return nil, x.transfer(c)
	case cmdMoveCall:
		return x.moveCall(c)
	}
	return nil, &failure{msg: fmt.Sprintf("%s is not supported by the devnet", cmdNames[c.Kind])}
}

func (x *exec) splitCoins(c command) ([]*value, *failure) {
	_, coin, f := x.objArg(c.Dest, 0, "", false, true)
	if f != nil {
		return nil, f
	}
	if !isCoinType(coin.Type) {
		return nil, argError(0, "TypeMismatch")
	}
	var out []*value
	for i, a := range c.Args {
		amount, f := x.u64Arg(a, i+1)
		if f != nil {
			return nil, f
		}
		bal := coinValue(coin)
		if amount > bal {
			return nil, &failure{msg: "InsufficientCoinBalance"}
		}
		setCoinValue(coin, bal-amount)
		out = append(out, x.create(coin.Type, func(id string) []byte { return coinBCS(id, amount) }))
	}
	return out, nil
}

func (x *exec) mergeCoins(c command) *failure {
	_, dst, f := x.objArg(c.Dest, 0, "", false, true)
	if f != nil {
		return f
	}
	if !isCoinType(dst.Type) {
		return argError(0, "TypeMismatch")
	}
	for i, a := range c.Args {
		v, src, f := x.objArg(a, i+1, dst.Type, true, true)
		if f != nil {
			return f
		}
		if v.obj == dst.ID {
			return argError(i+1, "InvalidValueUsage")
		}
		sum := coinValue(dst) + coinValue(src)
		if sum < coinValue(dst) {
			return &failure{msg: "ArithmeticError"}
		}
		setCoinValue(dst, sum)
		x.remove(src.ID, deletedDigest)
	}
	return nil
}

// transfer is TransferObjects: every object must have store (coins,
// Storage and Blob do; System and Staking do not).
func (x *exec) transfer(c command) *failure {
	to, f := x.pureArg(c.Dest, len(c.Args), 32)
	if f != nil {
		return f
	}
	for i, a := range c.Args {
		v, f := x.arg(a)
		if f != nil {
			return f
		}
		if v.shared {
			return argError(i, "InvalidObjectByValue")
		}
		if v.gas {
			// The gas coin may be transferred whole.
			v.moved = true
			x.get(v.obj).Owner.Address = hexAddr(to)
			continue
		}
		_, o, f := x.objArg(a, i, "", true, true)
		if f != nil {
			return f
		}
		o.Owner.Address = hexAddr(to)
		o.ObjectOwner = false
	}
	return nil
}

// moveCall dispatches the functions the devnet implements.
func (x *exec) moveCall(c command) ([]*value, *failure) {
	name := c.Module + "::" + c.Function
	if c.Package == "0x0000000000000000000000000000000000000000000000000000000000000002" && name == "coin::destroy_zero" {
		return nil, x.destroyZero(c)
	}
	if c.Package != x.st.G.WalrusPkg {
		return nil, &failure{msg: fmt.Sprintf("MoveCall %s::%s is not supported by the devnet (package %s)", c.Package, name, c.Package)}
	}
	want := map[string]int{"system::reserve_space": 4, "system::register_blob": 8, "system::certify_blob": 5,
		"system::extend_blob": 4, "system::delete_blob": 2, "blob::burn": 1,
		"storage_resource::split_by_size": 2, "storage_resource::split_by_epoch": 2,
		"storage_resource::fuse_amount": 2, "storage_resource::fuse_periods": 2, "storage_resource::fuse": 2,
		"blob::insert_or_update_metadata_pair": 3, "blob::remove_metadata_pair": 2, "blob::remove_metadata_pair_if_exists": 2,
		"blob::add_metadata": 2, "blob::add_or_replace_metadata": 2, "blob::take_metadata": 1,
		"metadata::new": 0, "metadata::insert_or_update": 3, "metadata::remove": 2, "metadata::remove_if_exists": 2}
	n, ok := want[name]
	if !ok {
		return nil, &failure{msg: fmt.Sprintf("MoveCall %s::%s is not supported by the devnet", c.Package, name)}
	}
	if len(c.TypeArgs) != 0 {
		return nil, &failure{msg: "TypeArityMismatch"}
	}
	if len(c.Args) != n {
		return nil, &failure{msg: "ArityMismatch"}
	}
	switch name {
	case "system::reserve_space":
		return x.reserveSpace(c.Args)
	case "system::register_blob":
		return x.registerBlob(c.Args)
	case "system::certify_blob":
		return nil, x.certifyBlob(c.Args)
	case "system::extend_blob":
		return nil, x.extendBlob(c.Args)
	case "system::delete_blob":
		return x.deleteBlob(c.Args)
	case "storage_resource::split_by_size":
		return x.splitBySize(c.Args)
	case "storage_resource::split_by_epoch":
		return x.splitByEpoch(c.Args)
	case "storage_resource::fuse_amount", "storage_resource::fuse_periods", "storage_resource::fuse":
		return nil, x.fuse(c.Args, c.Function)
	case "blob::insert_or_update_metadata_pair":
		return nil, x.insertOrUpdateMetadataPair(c.Args)
	case "blob::remove_metadata_pair":
		return x.removeMetadataPair(c.Args, false)
	case "blob::remove_metadata_pair_if_exists":
		return x.removeMetadataPair(c.Args, true)
	case "blob::add_metadata", "blob::add_or_replace_metadata", "blob::take_metadata":
		return x.blobMetadata(c.Function, c.Args)
	case "metadata::new", "metadata::insert_or_update", "metadata::remove", "metadata::remove_if_exists":
		return x.metadataValue(c.Function, c.Args)
	default:
		return nil, x.burn(c.Args)
	}
}

// destroyZero is 0x2::coin::destroy_zero<T>(c: Coin<T>): aborts in
// balance::destroy_zero with ENonZero (0) unless the coin is empty.
func (x *exec) destroyZero(c command) *failure {
	if len(c.TypeArgs) != 1 {
		return &failure{msg: "TypeArityMismatch"}
	}
	if len(c.Args) != 1 {
		return &failure{msg: "ArityMismatch"}
	}
	_, o, f := x.objArg(c.Args[0], 0, coinPrefix+c.TypeArgs[0].String()+">", true, true)
	if f != nil {
		return f
	}
	if coinValue(o) != 0 {
		return abortIn("balance", "destroy_zero", 0)
	}
	x.remove(o.ID, deletedDigest)
	return nil
}

// checked u64 helpers: Move aborts with an arithmetic error on overflow.
func mulU64(a, b uint64) (uint64, bool) {
	if a != 0 && b > math.MaxUint64/a {
		return 0, false
	}
	return a * b, true
}
