//go:build race

package rs2

// raceEnabled trims the slowest vector checks under -race (they run in
// full without it, in the same make test).
const raceEnabled = true
