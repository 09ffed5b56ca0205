//go:build !race

package authsession

const raceEnabled = false
