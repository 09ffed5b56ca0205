//go:build race

package authsession

const raceEnabled = true
