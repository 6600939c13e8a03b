//go:build race

package localnet

const raceEnabled = true
