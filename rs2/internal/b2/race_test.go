//go:build race

package b2

// raceEnabled trims the exhaustive equivalence tests under -race: the race
// detector does not instrument the assembly, so the full matrix adds only
// time there (it runs in full without -race).
const raceEnabled = true
