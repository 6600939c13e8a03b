//go:build !race

package b2

const raceEnabled = false
