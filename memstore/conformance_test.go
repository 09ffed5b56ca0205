package memstore_test

import (
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
	"github.com/authsession/authsession/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, o storetest.Options) authsession.Store {
		return memstore.New(memstore.Options{Now: o.Now, MaxSessionsPerUser: o.MaxSessionsPerUser})
	})
}

// TestInstances: the suite's checks for two instances, with both served
// by one memory store (what several handlers of one process share).
func TestInstances(t *testing.T) {
	storetest.RunInstances(t, func(t *testing.T) (authsession.Store, authsession.Store) {
		s := memstore.New(memstore.Options{})
		return s, s
	})
}

// TestServerStorage: the suite's server storage checks, with both
// application instances on one memory store.
func TestServerStorage(t *testing.T) {
	storetest.RunServerStorage(t, func(t *testing.T) (authsession.Store, authsession.Store) {
		s := memstore.New(memstore.Options{})
		return s, s
	})
}
