package authsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/authsession/authsession"
)

func TestConcurrentUse(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.CacheBytes = 64 << 10 })
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				u := authsession.User{ID: fmt.Sprintf("u_%d_%d", g, i)}
				s, cookies := signIn(t, a, u)
				got, ok := a.GetSession(requestWith(cookies))
				if !ok || got.ID != s.ID || got.User.ID != u.ID {
					t.Errorf("goroutine %d: got %v %v, want %s", g, got.User.ID, ok, u.ID)
					return
				}
				w := httptest.NewRecorder()
				if _, err := a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
					s.User.Name = u.ID
					return nil
				}); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestTwoInstancesDoNotShareContext(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	b := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Cookie.Name = "other" })
	_, cookies := signIn(t, a, testUser)
	var bSaw bool
	h := a.Middleware(b.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, bSaw = b.GetSession(r)
	})))
	h.ServeHTTP(httptest.NewRecorder(), requestWith(cookies))
	if bSaw {
		t.Error("instance b saw instance a's session")
	}
}
