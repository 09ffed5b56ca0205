package authsession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/authsession/authsession"
)

// BenchmarkGetSessionStore compares GetSession without a store (stateless
// cookie, verified-token cache hit) and with the memory store (the same,
// plus one store read per request; TouchAfter keeps writes rare).
func BenchmarkGetSessionStore(b *testing.B) {
	stores := []struct {
		name  string
		store authsession.Store
	}{
		{"stateless", nil},
		{"memory", authsession.NewMemoryStore(authsession.MemoryStoreOptions{})},
	}
	for _, st := range stores {
		auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
			Secret: storeTestSecret,
			Store:  st.store,
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
