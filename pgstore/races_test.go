package pgstore_test

import (
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/pgstore"
	"github.com/authsession/authsession/storetest"
)

// twoStores returns two stores on one table, each with its own pool, as
// two instances of an application have.
func twoStores(t *testing.T) (*pgstore.Store, *pgstore.Store) {
	t.Helper()
	name := table(t, connect(t))
	return newStore(t, connect(t), pgstore.Options{Table: name}), newStore(t, connect(t), pgstore.Options{Table: name})
}

// TestInstances runs the conformance suite's checks for two instances
// (storetest.RunInstances: one session, racing saves, a revocation racing
// saves), signed-in and anonymous, on one database.
func TestInstances(t *testing.T) {
	storetest.RunInstances(t, func(t *testing.T) (authsession.Store, authsession.Store) { return twoStores(t) })
}
