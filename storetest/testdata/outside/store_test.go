package outside

import (
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, o storetest.Options) authsession.Store { return New(o.Now, o.MaxSessionsPerUser) })
}
