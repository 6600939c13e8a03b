package chain

// The public functions of walrus::storage_resource
// (system/storage_resource.move) that a PTB can call on Storage objects:
// split one into two by size or by epoch, fuse two into one. Their abort
// codes are the Move ones: EInvalidEpoch (0), EIncompatibleEpochs (1),
// EIncompatibleAmount (2), reported in the function that asserts.

const (
	eInvalidEpoch       = 0
	eIncompatibleEpochs = 1
	eIncompatibleAmount = 2
)

// storageArg resolves argument i as a Storage (by value or &mut) and
// decodes it.
func (x *exec) storageArg(a argument, i int, byValue bool) (*value, *object, storageRes, *failure) {
	v, o, f := x.objArg(a, i, x.storageType(), byValue, true)
	if f != nil {
		return nil, nil, storageRes{}, f
	}
	s, err := decodeStorageObj(o.Contents)
	if err != nil {
		return nil, nil, storageRes{}, &failure{msg: err.Error()}
	}
	return v, o, s, nil
}

func (x *exec) newStorage(s storageRes) *value {
	return x.create(x.storageType(), func(id string) []byte { s.ID = id; return s.bcs(&enc{}).b })
}

// splitBySize is split_by_size(storage: &mut Storage, split_size: u64):
// Storage. storage keeps split_size bytes; the new object has the rest,
// over the same epochs.
func (x *exec) splitBySize(args []argument) ([]*value, *failure) {
	_, o, s, f := x.storageArg(args[0], 0, false)
	if f != nil {
		return nil, f
	}
	split, f := x.u64Arg(args[1], 1)
	if f != nil {
		return nil, f
	}
	if s.Size < split {
		return nil, abortIn("storage_resource", "split_by_size", eIncompatibleAmount)
	}
	rest := storageRes{Start: s.Start, End: s.End, Size: s.Size - split}
	s.Size = split
	o.Contents = s.bcs(&enc{}).b
	return []*value{x.newStorage(rest)}, nil
}

// splitByEpoch is split_by_epoch(storage: &mut Storage, split_epoch: u32):
// Storage. storage keeps [start, split_epoch); the new object covers
// [split_epoch, end), both of the full size.
func (x *exec) splitByEpoch(args []argument) ([]*value, *failure) {
	_, o, s, f := x.storageArg(args[0], 0, false)
	if f != nil {
		return nil, f
	}
	at, f := x.u32Arg(args[1], 1)
	if f != nil {
		return nil, f
	}
	if at <= s.Start || at >= s.End {
		return nil, abortIn("storage_resource", "split_by_epoch", eInvalidEpoch)
	}
	rest := storageRes{Start: at, End: s.End, Size: s.Size}
	s.End = at
	o.Contents = s.bcs(&enc{}).b
	return []*value{x.newStorage(rest)}, nil
}

// fuseArgs resolves (first: &mut Storage, second: Storage) and deletes
// second, as the Move functions do before their assertions (an abort
// rolls it back).
func (x *exec) fuseArgs(args []argument) (*object, storageRes, storageRes, *failure) {
	v1, o, first, f := x.storageArg(args[0], 0, false)
	if f != nil {
		return nil, first, first, f
	}
	v2, _, second, f := x.storageArg(args[1], 1, true)
	if f != nil {
		return nil, first, second, f
	}
	if v1.obj == v2.obj {
		// One object both borrowed and moved in one command.
		return nil, first, second, argError(1, "InvalidValueUsage")
	}
	x.remove(second.ID, deletedDigest)
	return o, first, second, nil
}

// fuse is storage_resource::fuse(first: &mut Storage, second: Storage):
// fuse_amount when the start epochs are equal, else fuse_periods.
func (x *exec) fuse(args []argument, fn string) *failure {
	o, first, second, f := x.fuseArgs(args)
	if f != nil {
		return f
	}
	if fn == "fuse" {
		fn = "fuse_periods"
		if first.Start == second.Start {
			fn = "fuse_amount"
		}
	}
	switch fn {
	case "fuse_amount":
		// Same period: the sizes add up.
		if first.Start != second.Start || first.End != second.End {
			return abortIn("storage_resource", fn, eIncompatibleEpochs)
		}
		sum := first.Size + second.Size
		if sum < first.Size {
			return &failure{msg: "ArithmeticError"}
		}
		first.Size = sum
	default: // fuse_periods: same size, adjacent periods (either order)
		if first.Size != second.Size {
			return abortIn("storage_resource", fn, eIncompatibleAmount)
		}
		switch {
		case first.End == second.Start:
			first.End = second.End
		case first.Start == second.End:
			first.Start = second.Start
		default:
			return abortIn("storage_resource", fn, eIncompatibleEpochs)
		}
	}
	o.Contents = first.bcs(&enc{}).b
	return nil
}
