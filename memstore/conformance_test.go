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
