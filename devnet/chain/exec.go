package chain

import (
	"fmt"
	"sort"
	"strings"

	"github.com/walrusfs/walrusfs/devnet/ledger"
)

// failure is why a transaction failed during execution.
type failure struct {
	msg        string // Sui's ExecutionFailureStatus text
	abort      bool
	module, fn string
	code       uint64
	cmd        int // -1: not in a command
}

func abortIn(module, fn string, code uint64) *failure {
	return &failure{abort: true, module: module, fn: fn, code: code}
}

func argError(i int, kind string) *failure {
	return &failure{msg: fmt.Sprintf("CommandArgumentError { arg_idx: %d, kind: %s }", i, kind)}
}

// value is a PTB input or result.
type value struct {
	obj     string // object ID; "" for pure values
	pure    []byte
	meta    *[]pair // a walrus::metadata::Metadata value (drop, store; no key)
	moved   bool
	result  bool // produced by a command: must be consumed
	shared  bool
	mutable bool // shared input taken mutably
	gas     bool
}

// exec executes one transaction over an overlay of the state.
type exec struct {
	st      *state
	tx      *txData
	digest  []byte
	check   func([]CertMember, []byte, []byte, []byte) error
	objs    map[string]*object // working copies of touched objects
	gone    map[string]string  // deleted or wrapped: ID -> digest marker
	inputs  []*value
	results [][]*value
	n       uint64
	events  []ledger.Event
	gas     *value
	sys     sysInner // working copy of the system accounting
	sysDirt bool
	lamport uint64
	comp    uint64 // computation units

	// outcome, for apply
	writes  map[string]*object
	deletes map[string]string
	newSys  bool
}

func newExec(st *state, tx *txData, digest []byte, check func([]CertMember, []byte, []byte, []byte) error) *exec {
	x := &exec{st: st, tx: tx, digest: digest, check: check, objs: map[string]*object{}, gone: map[string]string{}}
	x.sys = st.Sys
	x.sys.Ring = append([]accounting(nil), st.Sys.Ring...)
	return x
}

// get returns the working copy of object id.
func (x *exec) get(id string) *object {
	if o, ok := x.objs[id]; ok {
		return o
	}
	o := x.st.Objects[id]
	if o == nil {
		return nil
	}
	o = o.clone()
	x.objs[id] = o
	return o
}

// create adds a new object owned by nobody yet and returns its value.
func (x *exec) create(typ string, contents func(id string) []byte) *value {
	x.n++
	id := deriveID(x.digest, x.n)
	x.objs[id] = &object{ID: id, Type: typ, Contents: contents(id)}
	return &value{obj: id, result: true}
}

// remove deletes (or wraps) an object.
func (x *exec) remove(id, marker string) {
	delete(x.objs, id)
	x.gone[id] = marker
}

func (x *exec) run() *ledger.Result {
	tx := x.tx
	for _, r := range append(append([]objRef(nil), tx.Payment...), ownedInputs(tx)...) {
		x.lamport = max(x.lamport, r.Version)
	}
	for _, in := range tx.Inputs {
		if in.Shared != nil {
			x.lamport = max(x.lamport, x.st.Objects[in.Shared.ID].Version)
		}
	}
	x.lamport++
	// Smash the gas coins into the first one (Sui does this before
	// executing, and keeps it when the transaction fails).
	if len(tx.Payment) == 0 {
		v := x.create(suiCoinType, func(id string) []byte { return coinBCS(id, tx.GasBudget) })
		x.objs[v.obj].Owner.Address = tx.Sender
		x.gas = &value{obj: v.obj, gas: true}
	} else {
		g := x.get(tx.Payment[0].ID)
		for _, r := range tx.Payment[1:] {
			setCoinValue(g, coinValue(g)+coinValue(x.get(r.ID)))
			x.remove(r.ID, deletedDigest)
		}
		x.gas = &value{obj: g.ID, gas: true}
	}
	smashed := x.get(x.gas.obj).clone()
	for _, in := range tx.Inputs {
		v := &value{pure: in.Pure}
		switch {
		case in.Owned != nil:
			v = &value{obj: x.get(in.Owned.ID).ID}
		case in.Shared != nil:
			v = &value{obj: in.Shared.ID, shared: true, mutable: in.Shared.Mutable}
			if in.Shared.Mutable {
				x.get(in.Shared.ID)
			}
		}
		x.inputs = append(x.inputs, v)
	}
	x.comp = unitsPerTx
	var fail *failure
	for i, c := range tx.Commands {
		x.comp += unitsPerCommand
		if c.Kind == cmdMoveCall {
			x.comp += unitsPerMoveCall
		}
		res, f := x.command(c)
		if f != nil {
			f.cmd = i
			fail = f
			break
		}
		x.results = append(x.results, res)
	}
	if fail == nil {
		fail = x.unused()
	}
	if fail == nil && x.sysDirt {
		x.writeSystem()
	}
	comp := x.comp * tx.GasPrice
	res := &ledger.Result{Digest: base58(x.digest), Success: fail == nil}
	storage, rebate := x.storageCosts()
	// The net charge (computation + storage − rebate) must fit the budget
	// and the gas coin.
	if fail == nil && (comp > tx.GasBudget || comp+storage > tx.GasBudget+rebate || comp+storage > coinValue(x.get(x.gas.obj))+rebate) {
		fail = &failure{msg: "InsufficientGas", cmd: -1}
	}
	if fail != nil {
		// Roll back everything but the smashed gas coin; every mutable
		// input still gets a new version, as on Sui.
		for id := range x.objs {
			delete(x.objs, id)
		}
		for id := range x.gone {
			if !containsRef(tx.Payment, id) {
				delete(x.gone, id)
			}
		}
		x.objs[smashed.ID] = smashed
		for _, id := range x.mutableInputs() {
			x.get(id)
		}
		x.events, x.sysDirt = nil, false
		storage, rebate = x.storageCosts()
		// Charge at most the budget.
		comp = min(comp, tx.GasBudget)
		if comp+storage > tx.GasBudget+rebate {
			if storage > tx.GasBudget+rebate {
				comp, storage = 0, tx.GasBudget+rebate
			} else {
				comp = tx.GasBudget + rebate - storage
			}
		}
		res.Success = false
		res.Error = x.describe(fail)
		if fail.abort {
			res.HasAbort, res.AbortModule, res.AbortCode = true, fail.module, fail.code
		}
	}
	gasObj := x.objs[x.gas.obj]
	nonRefundable := x.nonRefundable()
	charge := comp + storage
	bal := coinValue(gasObj) + rebate
	setCoinValue(gasObj, bal-charge)
	res.Gas = ledger.GasCost{Computation: comp, Storage: storage, Rebate: rebate, NonRefundableStorageFee: nonRefundable}
	res.Events = x.events
	x.finish(res)
	return res
}

// mutableInputs are the owned inputs and the shared inputs taken mutably.
func (x *exec) mutableInputs() []string {
	var ids []string
	for _, in := range x.tx.Inputs {
		switch {
		case in.Owned != nil:
			ids = append(ids, in.Owned.ID)
		case in.Shared != nil && in.Shared.Mutable:
			ids = append(ids, in.Shared.ID)
		}
	}
	return ids
}

func containsRef(refs []objRef, id string) bool {
	for _, r := range refs {
		if r.ID == id {
			return true
		}
	}
	return false
}

func (x *exec) describe(f *failure) string {
	where := ""
	if f.cmd >= 0 {
		where = fmt.Sprintf(" in command %d", f.cmd)
	}
	if !f.abort {
		return f.msg + where
	}
	pkg := x.st.G.WalrusPkg
	if f.module == "balance" || f.module == "coin" || f.module == "bcs" || f.module == "vec_map" {
		pkg = "0x" + strings.Repeat("0", 63) + "2"
	}
	return fmt.Sprintf("MoveAbort(MoveLocation { module: ModuleId { address: %s, name: Identifier(%q) }, function: 0, instruction: 0, function_name: Some(%q) }, %d)%s",
		strings.TrimPrefix(pkg, "0x"), f.module, f.fn, f.code, where)
}

// unused fails if a command result without drop was left unconsumed.
func (x *exec) unused() *failure {
	for i, rs := range x.results {
		for j, v := range rs {
			if v.obj != "" && v.result && !v.moved {
				return &failure{msg: fmt.Sprintf("UnusedValueWithoutDrop { result_idx: %d, secondary_idx: %d }", i, j), cmd: -1}
			}
		}
	}
	return nil
}

// writeSystem re-encodes the system inner state (its dynamic field is
// written too when the System is borrowed mutably).
func (x *exec) writeSystem() {
	sysField, _ := x.st.innerFields(&x.sys)
	x.get(x.st.G.System)
	x.get(x.st.G.SystemField).Contents = sysField
	x.newSys = true
}

func storageCost(o *object) uint64 {
	return uint64(len(o.Contents)+len(o.Type)+objectOverhead) * storagePerByte
}

// storageCosts is what the written objects cost and what the overwritten
// or deleted ones give back (99 %).
func (x *exec) storageCosts() (cost, rebate uint64) {
	for id, o := range x.objs {
		cost += storageCost(o)
		if old := x.st.Objects[id]; old != nil {
			rebate += old.Rebate * 99 / 100
		}
	}
	for id := range x.gone {
		if old := x.st.Objects[id]; old != nil {
			rebate += old.Rebate * 99 / 100
		}
	}
	return cost, rebate
}

func (x *exec) nonRefundable() uint64 {
	var n uint64
	for id := range x.objs {
		if old := x.st.Objects[id]; old != nil {
			n += old.Rebate - old.Rebate*99/100
		}
	}
	for id := range x.gone {
		if old := x.st.Objects[id]; old != nil {
			n += old.Rebate - old.Rebate*99/100
		}
	}
	return n
}

// finish assigns versions and fills the changed-object list.
func (x *exec) finish(res *ledger.Result) {
	x.writes, x.deletes = map[string]*object{}, map[string]string{}
	ids := make([]string, 0, len(x.objs)+len(x.gone))
	for id, o := range x.objs {
		if o.Owner == (ledger.Owner{}) && !o.ObjectOwner {
			continue // a virtual gas coin never lands; results were checked
		}
		ids = append(ids, id)
	}
	for id := range x.gone {
		if x.st.Objects[id] != nil {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		if o, ok := x.objs[id]; ok {
			o.Version = x.lamport
			o.Rebate = storageCost(o)
			op := ledger.Mutated
			if x.st.Objects[id] == nil {
				op = ledger.Created
			}
			ch := ledger.Changed{ID: id, Op: op, Version: o.Version, Digest: o.digest(), Type: o.Type, Owner: o.Owner}
			x.writes[id] = o
			res.Changed = append(res.Changed, ch)
			if id == x.gas.obj {
				res.GasObject = ch
			}
			continue
		}
		old := x.st.Objects[id]
		x.deletes[id] = x.gone[id]
		res.Changed = append(res.Changed, ledger.Changed{ID: id, Op: ledger.Deleted, Version: x.lamport, Digest: x.gone[id], Type: old.Type, Owner: old.Owner})
	}
}

// apply commits a finished execution to the state.
func (x *exec) apply(res *ledger.Result) {
	if len(x.tx.Payment) == 0 {
		return
	}
	for id, o := range x.writes {
		x.st.Objects[id] = o
	}
	for id := range x.deletes {
		delete(x.st.Objects, id)
	}
	if res.Success && x.newSys {
		x.st.Sys = x.sys
	}
}
