//go:build race

package encoding

// raceEnabled trims the slowest vector checks under -race (they run in
// full without it, in the same make test).
const raceEnabled = true
