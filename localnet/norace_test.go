//go:build !race

package localnet

const raceEnabled = false
