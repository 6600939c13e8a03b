package chain

import (
	"fmt"
	"strings"
)

// The BCS layouts below are Sui's (crates/sui-types/src/transaction.rs,
// base_types.rs, type_input.rs): TransactionData::V1 { kind, sender,
// gas_data, expiration }, TransactionKind::ProgrammableTransaction
// { inputs: Vec<CallArg>, commands: Vec<Command> }.

// objRef is an owned object reference as a transaction names it.
type objRef struct {
	ID      string
	Version uint64
	Digest  string // base58
}

// callArg is one PTB input.
type callArg struct {
	Pure    []byte // set for CallArg::Pure
	IsPure  bool
	Owned   *objRef // ObjectArg::ImmOrOwnedObject
	Shared  *sharedArg
	Receive *objRef // ObjectArg::Receiving (refused)
	Variant int
}

type sharedArg struct {
	ID             string
	InitialVersion uint64
	Mutable        bool
}

// argKind is the Argument enum variant.
type argKind uint8

const (
	argGas argKind = iota
	argInput
	argResult
	argNested
)

type argument struct {
	Kind   argKind
	Index  uint16 // input or command index
	Nested uint16 // result index for NestedResult
}

func (a argument) String() string {
	switch a.Kind {
	case argGas:
		return "GasCoin"
	case argInput:
		return fmt.Sprintf("Input(%d)", a.Index)
	case argResult:
		return fmt.Sprintf("Result(%d)", a.Index)
	}
	return fmt.Sprintf("NestedResult(%d,%d)", a.Index, a.Nested)
}

// typeTag is a Move type; only what the devnet needs is kept structured.
type typeTag struct {
	Kind   uint8 // TypeTag variant
	Struct *structTag
	Elem   *typeTag // Vector
}

type structTag struct {
	Address, Module, Name string
	Params                []typeTag
}

var primNames = map[uint8]string{0: "bool", 1: "u8", 2: "u64", 3: "u128", 4: "address", 5: "signer", 8: "u16", 9: "u32", 10: "u256"}

func (t typeTag) String() string {
	switch {
	case t.Kind == 6 && t.Elem != nil:
		return "vector<" + t.Elem.String() + ">"
	case t.Kind == 7 && t.Struct != nil:
		s := shortAddr(t.Struct.Address) + "::" + t.Struct.Module + "::" + t.Struct.Name
		if len(t.Struct.Params) > 0 {
			ps := make([]string, len(t.Struct.Params))
			for i, p := range t.Struct.Params {
				ps[i] = p.String()
			}
			s += "<" + strings.Join(ps, ", ") + ">"
		}
		return s
	}
	return primNames[t.Kind]
}

// command kinds (Command enum variants).
const (
	cmdMoveCall = iota
	cmdTransfer
	cmdSplit
	cmdMerge
	cmdPublish
	cmdMakeMoveVec
	cmdUpgrade
)

var cmdNames = []string{"MoveCall", "TransferObjects", "SplitCoins", "MergeCoins", "Publish", "MakeMoveVec", "Upgrade"}

type command struct {
	Kind int
	// MoveCall
	Package, Module, Function string
	TypeArgs                  []typeTag
	Args                      []argument
	// TransferObjects: Args = objects, Dest = address; SplitCoins: Dest =
	// coin, Args = amounts; MergeCoins: Dest = target, Args = sources.
	Dest argument
}

// txData is a decoded TransactionData::V1 with a programmable kind.
type txData struct {
	Inputs     []callArg
	Commands   []command
	Sender     string
	Payment    []objRef
	GasOwner   string
	GasPrice   uint64
	GasBudget  uint64
	Expiration *uint64 // TransactionExpiration::Epoch
}

// decodeTxData decodes BCS TransactionData. Anything outside what the
// devnet executes (system transactions, ValidDuring expirations,
// FundsWithdrawal inputs) is refused with a clear error.
func decodeTxData(b []byte) (*txData, error) {
	d := &dec{b: b}
	if v := d.uleb(); v != 0 && d.err == nil {
		return nil, fmt.Errorf("TransactionData variant %d: only V1 is supported", v)
	}
	if k := d.uleb(); k != 0 && d.err == nil {
		return nil, fmt.Errorf("TransactionKind variant %d: only ProgrammableTransaction is supported by the devnet", k)
	}
	t := &txData{}
	n := d.uleb()
	for i := 0; i < n && d.err == nil; i++ {
		t.Inputs = append(t.Inputs, decodeCallArg(d, i))
	}
	n = d.uleb()
	for i := 0; i < n && d.err == nil; i++ {
		t.Commands = append(t.Commands, decodeCommand(d, i))
	}
	t.Sender = d.addr()
	n = d.uleb()
	for i := 0; i < n && d.err == nil; i++ {
		t.Payment = append(t.Payment, decodeObjRef(d))
	}
	t.GasOwner = d.addr()
	t.GasPrice = d.u64()
	t.GasBudget = d.u64()
	switch e := d.uleb(); e {
	case 0:
	case 1:
		v := d.u64()
		t.Expiration = &v
	default:
		d.fail("TransactionExpiration variant %d is not supported by the devnet", e)
	}
	if err := d.done("TransactionData"); err != nil {
		return nil, err
	}
	return t, nil
}

func decodeObjRef(d *dec) objRef {
	r := objRef{ID: d.addr(), Version: d.u64()}
	dg := d.bytes()
	if len(dg) != 32 {
		d.fail("object digest of %d bytes, want 32", len(dg))
	}
	r.Digest = base58(dg)
	return r
}

func decodeCallArg(d *dec, i int) callArg {
	a := callArg{Variant: d.uleb()}
	switch a.Variant {
	case 0:
		a.IsPure, a.Pure = true, d.bytes()
	case 1:
		switch o := d.uleb(); o {
		case 0:
			r := decodeObjRef(d)
			a.Owned = &r
		case 1:
			a.Shared = &sharedArg{ID: d.addr(), InitialVersion: d.u64(), Mutable: d.boolean()}
		case 2:
			r := decodeObjRef(d)
			a.Receive = &r
		default:
			d.fail("input %d: ObjectArg variant %d unknown", i, o)
		}
	default:
		d.fail("input %d: CallArg variant %d is not supported by the devnet (only Pure and Object)", i, a.Variant)
	}
	return a
}

func decodeArg(d *dec) argument {
	a := argument{Kind: argKind(d.uleb())}
	switch a.Kind {
	case argGas:
	case argInput, argResult:
		a.Index = d.u16()
	case argNested:
		a.Index, a.Nested = d.u16(), d.u16()
	default:
		d.fail("Argument variant %d unknown", a.Kind)
	}
	return a
}

func decodeArgs(d *dec) []argument {
	n := d.uleb()
	var out []argument
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, decodeArg(d))
	}
	return out
}

func decodeTypeTag(d *dec, depth int) typeTag {
	if depth > 8 {
		d.fail("type tag nested too deeply")
		return typeTag{}
	}
	t := typeTag{Kind: uint8(d.uleb())}
	switch t.Kind {
	case 0, 1, 2, 3, 4, 5, 8, 9, 10:
	case 6:
		e := decodeTypeTag(d, depth+1)
		t.Elem = &e
	case 7:
		s := &structTag{Address: d.addr(), Module: d.str(), Name: d.str()}
		n := d.uleb()
		for i := 0; i < n && d.err == nil; i++ {
			s.Params = append(s.Params, decodeTypeTag(d, depth+1))
		}
		t.Struct = s
	default:
		d.fail("TypeTag variant %d unknown", t.Kind)
	}
	return t
}

func decodeCommand(d *dec, i int) command {
	c := command{Kind: d.uleb()}
	switch c.Kind {
	case cmdMoveCall:
		c.Package, c.Module, c.Function = d.addr(), d.str(), d.str()
		n := d.uleb()
		for j := 0; j < n && d.err == nil; j++ {
			c.TypeArgs = append(c.TypeArgs, decodeTypeTag(d, 0))
		}
		c.Args = decodeArgs(d)
	case cmdTransfer:
		c.Args = decodeArgs(d)
		c.Dest = decodeArg(d)
	case cmdSplit, cmdMerge:
		c.Dest = decodeArg(d)
		c.Args = decodeArgs(d)
	case cmdPublish, cmdMakeMoveVec, cmdUpgrade:
		// Not executed by the devnet: the rest cannot be skipped safely,
		// so decoding stops here with a clear error.
		d.fail("command %d: %s is not supported by the devnet", i, cmdNames[c.Kind])
	default:
		d.fail("command %d: Command variant %d unknown", i, c.Kind)
	}
	return c
}

// shortAddr writes the framework addresses 0x1..0x3 the short way, as
// the type strings of this package do ("0x2::sui::SUI").
func shortAddr(a string) string {
	if strings.TrimLeft(strings.TrimPrefix(a, "0x"), "0") == "" {
		return "0x0"
	}
	if t := strings.TrimLeft(strings.TrimPrefix(a, "0x"), "0"); len(t) == 1 && t >= "1" && t <= "3" {
		return "0x" + t
	}
	return a
}
