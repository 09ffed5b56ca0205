package storetest_test

import (
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
	"github.com/authsession/authsession/storetest"
)

// A store's test file runs the whole suite in one call; each check gets a
// fresh store built from the options (the suite's clock, the per-user cap
// it needs). Here with the memory store; a Redis or PostgreSQL store also
// gives each call a key prefix or a schema of its own.
func ExampleRun() {
	_ = func(t *testing.T) { // func TestConformance(t *testing.T)
		storetest.Run(t, func(t *testing.T, o storetest.Options) authsession.Store {
			return memstore.New(memstore.Options{Now: o.Now, MaxSessionsPerUser: o.MaxSessionsPerUser})
		})
	}
}

// A store that several instances of an application share runs the checks
// for two instances with a pair of stores over the same data (here one
// memory store serves both; a Redis store would be two clients on one
// key prefix).
func ExampleRunInstances() {
	_ = func(t *testing.T) { // func TestInstances(t *testing.T)
		pair := func(t *testing.T) (authsession.Store, authsession.Store) {
			s := memstore.New(memstore.Options{})
			return s, s
		}
		storetest.RunInstances(t, pair)
		storetest.RunServerStorage(t, pair)
	}
}
