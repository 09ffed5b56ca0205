package authsession_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// One commit per response: whatever a handler behind the middleware
// changes, the store and the cookie are written once, before the header.

// TestOneCommitPerResponse: a handler that changes the session four times
// makes one store save (one generation) and sets the cookie once; the
// result holds every change.
func TestOneCommitPerResponse(t *testing.T) {
	for _, st := range storages[1:] { // with a store: the writes are counted
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, nil)
			s, cookies := signIn(t, f.auth, authsession.User{ID: "u_1", Name: "Ann"})
			h := f.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for _, err := range []error{
					f.auth.SetData(w, r, "a", 1),
					f.auth.Flash(w, r, "notice", "saved"),
					func() error {
						_, err := f.auth.UpdateSession(w, r, func(s *authsession.Session[authsession.User]) error { s.User.Name = "Bo"; return nil })
						return err
					}(),
					f.auth.SetData(w, r, "b", 2),
				} {
					if err != nil {
						t.Error(err)
					}
				}
				io.WriteString(w, "ok")
			}))
			saves := f.store.saves.Load()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, requestWith(cookies))
			if got := f.store.saves.Load() - saves; got != 1 {
				t.Errorf("store saves: got %d, want 1", got)
			}
			lines := w.Header().Values("Set-Cookie")
			if want := map[bool]int{true: 0, false: 1}[st.storage == authsession.StorageServer]; len(lines) != want {
				t.Errorf("Set-Cookie lines: got %d, want %d", len(lines), want)
			}
			final := sessionCookies(cookies, w)
			got, ok := f.auth.GetSession(requestWith(final))
			data := f.auth.SessionData(requestWith(final))
			if !ok || got.User.Name != "Bo" || len(data) != 2 || len(got.Flash) != 1 {
				t.Errorf("after the response: got %v %q data %v flash %v, want every change", ok, got.User.Name, data, got.Flash)
			}
			recs, _ := f.auth.ListUserSessions(t.Context(), "u_1")
			if len(recs) != 1 || recs[0].Generation != 2 || recs[0].ID != s.ID {
				t.Errorf("the store's record: got %+v, want generation 2 of the same session", recs)
			}
		})
	}
}

// TestCommitBeforeTheHeader: the commit happens at the first write of the
// header or body; a change after it fails with ErrHeaderWritten and
// changes nothing.
func TestCommitBeforeTheHeader(t *testing.T) {
	for _, st := range storages {
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, nil)
			var late error
			h := f.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := f.auth.SetData(w, r, "early", 1); err != nil {
					t.Error(err)
				}
				io.WriteString(w, "body")
				late = f.auth.SetData(w, r, "late", 2)
			}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, requestWith(nil))
			if !errors.Is(late, authsession.ErrHeaderWritten) {
				t.Errorf("a change after the body: got %v, want ErrHeaderWritten", late)
			}
			data := f.auth.SessionData(requestWith(w.Result().Cookies()))
			if _, ok := data["early"]; !ok || len(data) != 1 {
				t.Errorf("the committed data: got %v, want early only", data)
			}
		})
	}
}

// TestCommitExplicitly: Commit writes the changes so far, and reports the
// store's error to the handler; later changes are committed again (one
// cookie line); the response's other headers stay as the handler set
// them.
func TestCommitExplicitly(t *testing.T) {
	f := newServerFixture(t, nil)
	_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"})
	var commitErr error
	h := f.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.auth.SetData(w, r, "k", 1)
		f.store.down.Store(true)
		commitErr = f.auth.Commit(w, r)
		f.store.down.Store(false)
		if err := f.auth.Commit(w, r); err != nil {
			t.Errorf("Commit with nothing pending: %v", err)
		}
		f.auth.SetData(w, r, "k", 2)
		if err := f.auth.Commit(w, r); err != nil {
			t.Errorf("Commit with the store up: %v", err)
		}
		w.(http.Flusher).Flush()
		io.WriteString(w, "streamed")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, requestWith(cookies))
	if !errors.Is(commitErr, authsession.ErrStore) {
		t.Errorf("Commit with the store down: got %v, want ErrStore", commitErr)
	}
	if k, _ := authsession.Get[int](f.auth.SessionData(requestWith(cookies)), "k"); k != 2 || !w.Flushed {
		t.Errorf("after the response: k=%d flushed=%v, want 2, true", k, w.Flushed)
	}
}

// TestDisableAutoCommit: changes wait for Commit; without it they are
// dropped, and logged.
func TestDisableAutoCommit(t *testing.T) {
	for _, commit := range []bool{false, true} {
		f := newServerFixture(t, func(c *authsession.Config[authsession.User]) { c.DisableAutoCommit = true })
		h := f.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f.auth.SetData(w, r, "k", 1)
			if commit {
				if err := f.auth.Commit(w, r); err != nil {
					t.Error(err)
				}
			}
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, requestWith(nil))
		written := len(w.Result().Cookies()) == 1 && f.store.creates.Load() == 1
		if written != commit {
			t.Errorf("commit=%v: got written=%v (%d cookies, %d creates)", commit, written, len(w.Result().Cookies()), f.store.creates.Load())
		}
		if logged := strings.Contains(f.logs.String(), "were not committed"); logged == commit {
			t.Errorf("commit=%v: warning logged=%v", commit, logged)
		}
	}
}

// TestAutoCommitFails: a commit that fails when the header goes out turns
// the response into a 503 (JSON for JSON clients), without the handler's
// body.
func TestAutoCommitFails(t *testing.T) {
	f := newServerFixture(t, nil)
	_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"})
	h := f.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.auth.SetData(w, r, "k", 1)
		f.store.down.Store(true)
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "created")
	}))
	for _, accept := range []string{"text/html", "application/json"} {
		f.store.down.Store(false)
		r := requestWith(cookies)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusServiceUnavailable || strings.Contains(w.Body.String(), "created") || w.Header().Get("X-Handler") != "" {
			t.Errorf("Accept %s: got %d %q, want a bare 503", accept, w.Code, w.Body)
		}
		if json := strings.Contains(w.Body.String(), `"unavailable"`); json != (accept == "application/json") {
			t.Errorf("Accept %s: JSON body %v", accept, json)
		}
	}
}

// TestAutoCommitFailsUnderAPIPath: the failed commit's 503 is JSON for
// paths under the first segment of the configured Config.APIPath, as the
// guard's own answers are, and a page for paths outside it, whatever
// their spelling ("/api/..." is not special when the API is elsewhere).
func TestAutoCommitFailsUnderAPIPath(t *testing.T) {
	f := newServerFixture(t, func(c *authsession.Config[authsession.User]) { c.APIPath = "/v1/auth/session" })
	_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"})
	h := f.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.auth.SetData(w, r, "k", 1)
		f.store.down.Store(true)
		io.WriteString(w, "done")
	}))
	for _, tt := range []struct {
		path string
		json bool
	}{
		{"/v1/orders", true},
		{"/v1", true},
		{"/api/orders", false},
		{"/v10/orders", false},
		{"/orders", false},
	} {
		f.store.down.Store(false)
		r := requestWithPath(tt.path, cookies)
		r.Header.Set("Accept", "text/html")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: got %d, want 503", tt.path, w.Code)
		}
		if json := strings.Contains(w.Body.String(), `"unavailable"`); json != tt.json {
			t.Errorf("%s: JSON body %v, want %v (%q)", tt.path, json, tt.json, w.Body)
		}
	}
}

// TestCommitWriterKeepsInterfaces: behind the middleware a handler can
// still flush, copy with ReadFrom, set deadlines through
// http.ResponseController (Unwrap) and hijack the connection; each commits
// first.
func TestCommitWriterKeepsInterfaces(t *testing.T) {
	f := newStorageFixture(t, authsession.StorageCookie, true, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		f.auth.SetData(w, r, "k", "flush")
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline through Unwrap: %v", err)
		}
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		if _, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader("copied")); err != nil {
			t.Errorf("ReadFrom: %v", err)
		}
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		f.auth.SetData(w, r, "k", "hijack")
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		rw.Flush()
	})
	srv := httptest.NewServer(f.auth.Middleware(mux))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/flush")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "copied" || len(res.Cookies()) != 1 {
		t.Errorf("/flush: got %q with %d cookies, want copied and the session cookie", body, len(res.Cookies()))
	}
	creates := f.store.creates.Load()
	res, err = srv.Client().Get(srv.URL + "/hijack")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(bufio.NewReader(res.Body))
	res.Body.Close()
	if string(body) != "hijacked" || f.store.creates.Load() != creates+1 {
		t.Errorf("/hijack: got %q, %d creates, want hijacked and the session stored", body, f.store.creates.Load()-creates)
	}
}

// TestPanicCommitsNothing: a handler that panics after changing the
// session writes nothing to the store.
func TestPanicCommitsNothing(t *testing.T) {
	f := newServerFixture(t, nil)
	_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"})
	h := f.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.auth.SetData(w, r, "k", 1)
		panic(http.ErrAbortHandler)
	}))
	saves := f.store.saves.Load()
	func() {
		defer func() { recover() }()
		h.ServeHTTP(httptest.NewRecorder(), requestWith(cookies))
	}()
	if f.store.saves.Load() != saves {
		t.Error("a panicking handler's change was saved")
	}
}

// TestWithoutMiddleware: a handler that no middleware wraps still works:
// each change is committed as it is made (a store write each), and the
// response carries one cookie line, the last.
func TestWithoutMiddleware(t *testing.T) {
	for _, st := range storages[1:] {
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, nil)
			w := httptest.NewRecorder()
			r := requestWith(nil)
			for _, err := range []error{f.auth.SetData(w, r, "a", 1), f.auth.Flash(w, r, "n", "x"), f.auth.SetData(w, r, "b", 2)} {
				if err != nil {
					t.Fatal(err)
				}
			}
			if n := len(w.Header().Values("Set-Cookie")); n != 1 {
				t.Errorf("Set-Cookie lines: got %d, want 1", n)
			}
			if got := f.store.creates.Load() + f.store.saves.Load(); got != 3 {
				t.Errorf("store writes: got %d, want 3 (one per call)", got)
			}
			if data := f.auth.SessionData(requestWith(w.Result().Cookies())); len(data) != 2 {
				t.Errorf("data: got %v, want a and b", data)
			}
		})
	}
}

// TestTouchAfterDisabled: with TouchAfter -1 (next-session's touchAfter)
// reads never write the last-seen time.
func TestTouchAfterDisabled(t *testing.T) {
	f := newServerFixture(t, func(c *authsession.Config[authsession.User]) { c.TouchAfter = -1 })
	b := newBrowser()
	b.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
	for range 5 {
		f.clk.Add(time.Hour)
		b.get(t, f.site, "/me")
	}
	if got := f.store.touches.Load(); got != 0 {
		t.Errorf("touches with TouchAfter -1: got %d, want 0", got)
	}
}

// TestAdapterGuardCommitsAsMade: behind a router adapter's guard
// (Guard.Check, which hands the request on without wrapping the response
// writer) every change commits as it is made, with one cookie line in the
// response, and the auto refresh is committed before the handler runs.
func TestAdapterGuardCommitsAsMade(t *testing.T) {
	for _, st := range storages[1:] {
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, nil)
			g, err := authsession.NewGuard(f.auth, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"})
			f.clk.Add(25 * time.Hour) // past the refresh threshold
			w := httptest.NewRecorder()
			r, ok := g.Check(w, requestWith(cookies), "GET /page", nil)
			if !ok {
				t.Fatal("Check answered itself")
			}
			for _, err := range []error{f.auth.SetData(w, r, "a", 1), f.auth.SetData(w, r, "b", 2)} {
				if err != nil {
					t.Fatal(err)
				}
			}
			if n := len(w.Header().Values("Set-Cookie")); n != 1 {
				t.Errorf("Set-Cookie lines: got %d, want 1", n)
			}
			final := sessionCookies(cookies, w)
			if data := f.auth.SessionData(requestWith(final)); len(data) != 2 {
				t.Errorf("data after the handler: got %v, want a and b", data)
			}
			if s, ok := f.auth.GetSession(requestWith(final)); !ok || !s.ExpiresAt.After(f.clk.Now().Add(6*24*time.Hour)) {
				t.Errorf("the auto refresh: got %v, expiry %v, want the session refreshed", ok, s.ExpiresAt)
			}
		})
	}
}

// jar applies Set-Cookie headers in order, as a browser does.
type jar map[string]string

func (j jar) apply(t *testing.T, h http.Header) {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("ParseSetCookie(%q): %v", line, err)
		}
		if c.MaxAge < 0 || c.Value == "" {
			delete(j, c.Name)
			continue
		}
		j[c.Name] = c.Value
	}
}

func (j jar) request(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for n, v := range j {
		r.AddCookie(&http.Cookie{Name: n, Value: v})
	}
	return r
}

// TestSecondWriteInOneResponse: the guard's auto refresh and a later
// write or logout in the same response must leave the browser with the
// last write's cookie, whatever the chunking of each.
func TestSecondWriteInOneResponse(t *testing.T) {
	big := strings.Repeat("x", 6000)
	tests := []struct {
		name      string
		initial   string                                               // access token at sign-in
		onRefresh func(s authsession.Session[authsession.User]) string // access token after refresh
		handler   func(a *authsession.AuthSession[authsession.User]) http.HandlerFunc
		wantOK    bool
		wantToken string
	}{
		{
			name:      "refresh grows to chunks, then logout",
			initial:   "",
			onRefresh: func(authsession.Session[authsession.User]) string { return big },
			handler: func(a *authsession.AuthSession[authsession.User]) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					if err := a.DeleteSession(w, r); err != nil {
						t.Errorf("DeleteSession: %v", err)
					}
				}
			},
			wantOK: false,
		},
		{
			name:      "refresh shrinks to one cookie, then update grows to chunks",
			initial:   big,
			onRefresh: func(authsession.Session[authsession.User]) string { return "" },
			handler: func(a *authsession.AuthSession[authsession.User]) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, err := a.UpdateSession(w, r, func(s *authsession.Session[authsession.User]) error {
						s.AccessToken = "updated" + big
						return nil
					})
					if err != nil {
						t.Errorf("UpdateSession: %v", err)
					}
				}
			},
			wantOK:    true,
			wantToken: "updated" + big,
		},
		{
			name:      "refresh grows to chunks, then update shrinks to one cookie",
			initial:   "",
			onRefresh: func(authsession.Session[authsession.User]) string { return big },
			handler: func(a *authsession.AuthSession[authsession.User]) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, err := a.UpdateSession(w, r, func(s *authsession.Session[authsession.User]) error {
						s.AccessToken = "small"
						return nil
					})
					if err != nil {
						t.Errorf("UpdateSession: %v", err)
					}
				}
			},
			wantOK:    true,
			wantToken: "small",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
				c.Cookie.Insecure = true
				c.OnRefresh = func(_ context.Context, s authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
					s.AccessToken = tt.onRefresh(s)
					return s, nil
				}
			})
			_, cs := signIn(t, a, authsession.User{ID: "u_1"}, authsession.WithTokens(tt.initial, ""))
			j := jar{}
			for _, c := range cs {
				if c.MaxAge >= 0 && c.Value != "" {
					j[c.Name] = c.Value
				}
			}
			clk.Add(authsession.DefaultRefreshThreshold + time.Minute)
			w := httptest.NewRecorder()
			a.Middleware(tt.handler(a)).ServeHTTP(w, j.request("GET", "/"))
			j.apply(t, w.Header())
			// Read without the guard's auto refresh side effects.
			s, ok := a.GetSession(j.request("GET", "/"))
			if ok != tt.wantOK {
				t.Fatalf("session after the response: got ok=%v, want %v (cookies %v)", ok, tt.wantOK, keys(j))
			}
			if ok && s.AccessToken != tt.wantToken {
				t.Errorf("access token: got %d bytes, want %d bytes", len(s.AccessToken), len(tt.wantToken))
			}
		})
	}
}

func keys(j jar) []string {
	var out []string
	for k := range j {
		out = append(out, k)
	}
	return out
}
