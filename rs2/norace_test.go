//go:build !race

package rs2

const raceEnabled = false
