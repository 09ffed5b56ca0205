package redisstore_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/redisstore"
)

// BenchmarkGetSession measures GetSession with the Redis store (one HGETALL
// round trip per request over loopback) against the stateless path in the
// same run.
func BenchmarkGetSession(b *testing.B) {
	rdb := redisClient(b)
	stores := []struct {
		name  string
		store authsession.Store
	}{
		{"stateless", nil},
		{"redis", redisstore.New(rdb, redisstore.Options{Prefix: prefix(b)})},
	}
	for _, st := range stores {
		auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: secret, Store: st.store})
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
		b.Run(st.name, func(b *testing.B) {
			r := newReq()
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := auth.GetSession(r); !ok {
					b.Fatal("no session")
				}
			}
		})
		b.Run(st.name+"/parallel", func(b *testing.B) {
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
