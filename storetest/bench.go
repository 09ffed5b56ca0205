package storetest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/authsession/authsession"
)

// Named is a store under a benchmark name; a nil Store is the stateless
// path.
type Named struct {
	Name  string
	Store authsession.Store
}

// BenchmarkGetSession measures GetSession of one signed-in user, serially
// and with b.RunParallel, for each store in order. Both the root package
// (memory store) and redisstore run it, each against the stateless path in
// the same run.
func BenchmarkGetSession(b *testing.B, secret authsession.Secret, stores ...Named) {
	for _, st := range stores {
		name := st.Name
		auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
			Secret: secret,
			Store:  st.Store,
		})
		if err != nil {
			b.Fatal(err)
		}
		w := httptest.NewRecorder()
		if _, err := auth.CreateSession(w, httptest.NewRequest("POST", "/", nil), authsession.User{ID: "u_1"}); err != nil {
			b.Fatal(err)
		}
		cookies := w.Result().Cookies()
		newReq := func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			for _, c := range cookies {
				r.AddCookie(c)
			}
			return r
		}
		b.Run(name, func(b *testing.B) {
			r := newReq()
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := auth.GetSession(r); !ok {
					b.Fatal("no session")
				}
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := newReq()
				for pb.Next() {
					if _, ok := auth.GetSession(r); !ok {
						b.Error("no session")
						return
					}
				}
			})
		})
	}
}
