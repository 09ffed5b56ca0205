package authsession_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/go-jose/go-jose/v4"
)

// dataAuth is an AuthSession over a fake clock for the data tests.
func dataAuth(t *testing.T, tweak func(*authsession.Config[authsession.User])) (*authsession.AuthSession[authsession.User], *clock) {
	t.Helper()
	clk := newClock()
	return newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.Cookie.Insecure = true
		if tweak != nil {
			tweak(c)
		}
	}), clk
}

// sessionOf returns the session a response's cookies carry.
func sessionOf(t *testing.T, a *authsession.AuthSession[authsession.User], cookies []*http.Cookie) (authsession.Session[authsession.User], bool) {
	t.Helper()
	return a.GetSession(requestWith(cookies))
}

func TestSessionData(t *testing.T) {
	a, _ := dataAuth(t, nil)
	_, cookies := signIn(t, a, testUser)

	// Set: a new cookie carries the value.
	w := httptest.NewRecorder()
	if err := a.SetData(w, requestWith(cookies), "cart", cartData{ID: "c1"}); err != nil {
		t.Fatalf("SetData: %v", err)
	}
	s, ok := sessionOf(t, a, w.Result().Cookies())
	if c, got := authsession.Get[cartData](s.Data, "cart"); !ok || !got || c.ID != "c1" {
		t.Fatalf("after SetData: got %+v %v (session %v), want cart c1", c, got, ok)
	}
	if s.User.ID != testUser.ID || s.User.ExtraString("role") != "admin" {
		t.Errorf("user: got %+v, want unchanged", s.User)
	}
	withCart := w.Result().Cookies()

	// The data survives a refresh and a user update.
	w = httptest.NewRecorder()
	if _, err := a.RefreshSession(w, requestWith(withCart)); err != nil {
		t.Fatal(err)
	}
	w2 := httptest.NewRecorder()
	if res := a.Actions.Update(w2, requestWith(w.Result().Cookies()), map[string]any{"name": "Bo"}); !res.Success {
		t.Fatal(res.Err)
	}
	s, _ = sessionOf(t, a, w2.Result().Cookies())
	if c, ok := authsession.Get[cartData](s.Data, "cart"); !ok || c.ID != "c1" || s.User.Name != "Bo" {
		t.Errorf("after refresh and update: got cart %+v %v, name %q", c, ok, s.User.Name)
	}

	// Delete: gone; deleting an absent key writes no cookie.
	w = httptest.NewRecorder()
	if err := a.DeleteData(w, requestWith(withCart), "cart"); err != nil {
		t.Fatal(err)
	}
	s, _ = sessionOf(t, a, w.Result().Cookies())
	if _, ok := authsession.Get[cartData](s.Data, "cart"); ok || len(s.Data) != 0 {
		t.Errorf("after DeleteData: got data %v, want none", s.Data)
	}
	w = httptest.NewRecorder()
	if err := a.DeleteData(w, requestWith(cookies), "cart"); err != nil {
		t.Fatal(err)
	}
	if n := len(w.Result().Cookies()); n != 0 {
		t.Errorf("DeleteData of an absent key: got %d cookies, want none", n)
	}
}

func TestSessionDataErrors(t *testing.T) {
	a, _ := dataAuth(t, func(c *authsession.Config[authsession.User]) { c.MaxCookieBytes = 2048 })
	_, cookies := signIn(t, a, testUser)
	tests := []struct {
		name    string
		cookies []*http.Cookie
		call    func(w http.ResponseWriter, r *http.Request) error
		want    error
	}{
		{"DeleteData without a session", nil, func(w http.ResponseWriter, r *http.Request) error { return a.DeleteData(w, r, "k") }, authsession.ErrNoSession},
		{"SetData over the cookie budget", cookies, func(w http.ResponseWriter, r *http.Request) error {
			return a.SetData(w, r, "big", strings.Repeat("x", 4000))
		}, authsession.ErrSessionTooLarge},
		{"Flash over the cookie budget", cookies, func(w http.ResponseWriter, r *http.Request) error {
			return a.Flash(w, r, "big", strings.Repeat("x", 4000))
		}, authsession.ErrSessionTooLarge},
		{"SetData reserved key", cookies, func(w http.ResponseWriter, r *http.Request) error { return a.SetData(w, r, "_flash", 1) }, authsession.ErrInvalidData},
		{"SetData unencodable", cookies, func(w http.ResponseWriter, r *http.Request) error { return a.SetData(w, r, "f", func() {}) }, authsession.ErrInvalidData},
		{"Flash empty key", cookies, func(w http.ResponseWriter, r *http.Request) error { return a.Flash(w, r, "", "x") }, authsession.ErrInvalidData},
		{"UpdateSession writing _flash into Data", cookies, func(w http.ResponseWriter, r *http.Request) error {
			_, err := a.UpdateSession(w, r, func(s *authsession.Session[authsession.User]) error {
				s.Data = authsession.Data{"_flash": json.RawMessage(`{"x":1}`)}
				return nil
			})
			return err
		}, authsession.ErrInvalidData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			err := tt.call(w, requestWith(tt.cookies))
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			// Never a truncated or dropped cookie: nothing is written.
			if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("Set-Cookie: got %q, want none", got)
			}
		})
	}
	if got, want := (authsession.ActionResult[authsession.User]{Err: authsession.ErrInvalidData}).Message(), "The update was not accepted."; got != want {
		t.Errorf("Message of ErrInvalidData: got %q, want %q", got, want)
	}
}

func TestFlash(t *testing.T) {
	a, _ := dataAuth(t, nil)
	_, cookies := signIn(t, a, testUser)

	w := httptest.NewRecorder()
	if err := a.Flash(w, requestWith(cookies), "notice", "first"); err != nil {
		t.Fatal(err)
	}
	// A second Flash under the same key in the same response replaces it.
	if err := a.Flash(w, requestWith(cookies), "notice", "saved"); err != nil {
		t.Fatal(err)
	}
	if err := a.Flash(w, requestWith(cookies), "count", 2); err != nil {
		t.Fatal(err)
	}
	flashed := finalCookies(w) // each Flash built on the one before

	// Read once: the values, and a cookie without them.
	w = httptest.NewRecorder()
	f, err := a.Flashes(w, requestWith(flashed))
	if err != nil {
		t.Fatal(err)
	}
	if msg, _ := authsession.Get[string](f, "notice"); msg != "saved" {
		t.Errorf("notice: got %q, want saved", msg)
	}
	if n, _ := authsession.Get[int](f, "count"); n != 2 {
		t.Errorf("count: got %d, want 2", n)
	}
	after := w.Result().Cookies()
	if len(after) == 0 {
		t.Fatal("Flashes wrote no cookie, want the session without its flash values")
	}
	s, ok := sessionOf(t, a, after)
	if !ok || len(s.Flash) != 0 || s.User.ID != testUser.ID {
		t.Errorf("after Flashes: got %v, flash %v, want the session without flash values", ok, s.Flash)
	}

	// A second read finds none and writes nothing.
	w = httptest.NewRecorder()
	if f, err := a.Flashes(w, requestWith(after)); err != nil || f != nil {
		t.Errorf("second read: got %v %v, want nil nil", f, err)
	}
	if n := len(w.Result().Cookies()); n != 0 {
		t.Errorf("second read: got %d cookies, want none", n)
	}
	// Without a session: nil, no error, no cookie.
	w = httptest.NewRecorder()
	if f, err := a.Flashes(w, requestWith(nil)); err != nil || f != nil || len(w.Result().Cookies()) != 0 {
		t.Errorf("without a session: got %v %v and %d cookies, want nil nil and none", f, err, len(w.Result().Cookies()))
	}
	// Flash values are never in the API's answer, even with ExposeData.
	exposed, _ := dataAuth(t, func(c *authsession.Config[authsession.User]) { c.ExposeData = true })
	rec := httptest.NewRecorder()
	exposed.Handlers.ServeHTTP(rec, requestWithPath("/api/session", flashed))
	if strings.Contains(rec.Body.String(), "saved") || strings.Contains(rec.Body.String(), "_flash") {
		t.Errorf("GET /api/session: got %s, want no flash values", rec.Body)
	}
}

func requestWithPath(path string, cookies []*http.Cookie) *http.Request {
	r := requestWith(cookies)
	r.URL.Path = path
	return r
}

// TestWritesFollowTheResponse: a write after a sign-in in the same
// response changes the new session, and one after a logout brings nothing
// back.
func TestWritesFollowTheResponse(t *testing.T) {
	a, _ := dataAuth(t, nil)
	_, annCookies := signIn(t, a, testUser)
	bob := authsession.User{ID: "u_bob", Name: "Bob"}

	t.Run("flash after sign-in goes to the new session", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := requestWith(annCookies) // Ann's cookie, Bob signs in
		if _, err := a.CreateSession(w, r, bob); err != nil {
			t.Fatal(err)
		}
		if err := a.Flash(w, r, "notice", "welcome"); err != nil {
			t.Fatal(err)
		}
		if err := a.SetData(w, r, "lang", "ar"); err != nil {
			t.Fatal(err)
		}
		s, ok := sessionOf(t, a, finalCookies(w))
		if !ok || s.User.ID != "u_bob" {
			t.Fatalf("final cookie: got %v %+v, want Bob's session", ok, s.User)
		}
		if msg, _ := authsession.Get[string](s.Flash, "notice"); msg != "welcome" {
			t.Errorf("flash: got %q, want welcome", msg)
		}
		if lang, _ := authsession.Get[string](s.Data, "lang"); lang != "ar" {
			t.Errorf("data: got %q, want ar", lang)
		}
	})
	t.Run("flash after logout goes to a visitor's new session, the signed-in one stays ended", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := requestWith(annCookies)
		if err := a.DeleteSession(w, r); err != nil {
			t.Fatal(err)
		}
		if err := a.Flash(w, r, "notice", "bye"); err != nil {
			t.Errorf("Flash after DeleteSession: got %v, want a visitor's session", err)
		}
		if _, err := a.RefreshSession(w, r); !errors.Is(err, authsession.ErrNoSession) {
			t.Errorf("RefreshSession after DeleteSession: got %v, want ErrNoSession", err)
		}
		final := finalCookies(w)
		if _, ok := sessionOf(t, a, final); ok {
			t.Error("the response leaves a signed-in session behind, want none")
		}
		if got := len(w.Header().Values("Set-Cookie")); got != 1 {
			t.Errorf("Set-Cookie lines: got %d, want 1", got)
		}
		flashes, err := a.Flashes(httptest.NewRecorder(), requestWith(final))
		if msg, _ := authsession.Get[string](flashes, "notice"); err != nil || msg != "bye" {
			t.Errorf("the visitor's flash: got %q (%v), want bye", msg, err)
		}
	})
}

// finalCookies returns the cookies a browser holds after applying every
// Set-Cookie of w in order.
func finalCookies(w *httptest.ResponseRecorder) []*http.Cookie {
	byName := map[string]*http.Cookie{}
	var order []string
	for _, c := range w.Result().Cookies() {
		if _, seen := byName[c.Name]; !seen {
			order = append(order, c.Name)
		}
		byName[c.Name] = c
	}
	out := make([]*http.Cookie, 0, len(order))
	for _, n := range order {
		out = append(out, byName[n])
	}
	return out
}

func TestCreateSessionWithDataAndFlash(t *testing.T) {
	a, _ := dataAuth(t, nil)
	s, cookies := signIn(t, a, testUser, authsession.WithData("cart", cartData{ID: "c9"}), authsession.WithFlash("notice", "welcome"))
	if c, _ := authsession.Get[cartData](s.Data, "cart"); c.ID != "c9" {
		t.Errorf("returned session: got cart %+v, want c9", c)
	}
	got, ok := sessionOf(t, a, cookies)
	if c, _ := authsession.Get[cartData](got.Data, "cart"); !ok || c.ID != "c9" {
		t.Errorf("cookie: got cart %+v (%v), want c9", c, ok)
	}
	if msg, _ := authsession.Get[string](got.Flash, "notice"); msg != "welcome" {
		t.Errorf("cookie: got flash %q, want welcome", msg)
	}
	w := httptest.NewRecorder()
	_, err := a.CreateSession(w, requestWith(nil), testUser, authsession.WithData("", 1))
	if !errors.Is(err, authsession.ErrInvalidData) || len(w.Result().Cookies()) != 0 {
		t.Errorf("WithData with an empty key: got %v and %d cookies, want ErrInvalidData and none", err, len(w.Result().Cookies()))
	}
}

// TestHostileSessionData: tokens whose data is malformed are no session;
// well-formed data of any shape is read.
func TestHostileSessionData(t *testing.T) {
	a, clk := dataAuth(t, nil)
	key, err := jwe.DeriveKey(testSecret, "session")
	if err != nil {
		t.Fatal(err)
	}
	token := func(data any) string {
		return encryptRaw(t, key, jose.A256GCM, nil, map[string]any{
			"user": map[string]any{"id": "u_1"}, "jti": "abcdefghijklmnopqrstuv",
			"iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix(), "data": data,
		})
	}
	tests := []struct {
		name   string
		data   any
		wantOK bool
	}{
		{"object", map[string]any{"a": 1, "b": []any{"x", map[string]any{"c": nil}}}, true},
		{"null", nil, true},
		{"empty object", map[string]any{}, true},
		{"flash object", map[string]any{"_flash": map[string]any{"n": "hi"}}, true},
		{"flash null", map[string]any{"_flash": nil}, true},
		{"array", []any{1, 2}, false},
		{"string", "data", false},
		{"number", 5, false},
		{"flash not an object", map[string]any{"_flash": 5}, false},
		{"flash array", map[string]any{"_flash": []any{"x"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.DecryptSession(token(tt.data))
			if got := err == nil; got != tt.wantOK {
				t.Errorf("DecryptSession: got %v, want ok %v", err, tt.wantOK)
			}
			if err != nil && !errors.Is(err, authsession.ErrInvalidToken) {
				t.Errorf("got %v, want ErrInvalidToken", err)
			}
			_, ok := a.GetSession(requestWithCookie("/", "session", token(tt.data)))
			if ok != tt.wantOK {
				t.Errorf("GetSession: got %v, want %v", ok, tt.wantOK)
			}
		})
	}
}

// TestForeignFormatsRefuseData: the Auth.js and NextAuth.js formats have
// no place for data, flash values or the remember-me choice: writing them
// fails instead of dropping them.
func TestForeignFormatsRefuseData(t *testing.T) {
	for _, f := range []authsession.TokenFormat{authsession.FormatAuthJS, authsession.FormatNextAuthV4} {
		t.Run(string(f), func(t *testing.T) {
			a := buildAuth(t, authsession.Config[authsession.User]{Secret: testSecret, Format: f, Cookie: authsession.CookieConfig{Insecure: true}})
			for name, opt := range map[string]authsession.SessionOption{
				"WithData":              authsession.WithData("k", 1),
				"WithFlash":             authsession.WithFlash("k", 1),
				"WithRememberMe(false)": authsession.WithRememberMe(false),
			} {
				w := httptest.NewRecorder()
				if _, err := a.CreateSession(w, requestWith(nil), testUser, opt); !errors.Is(err, authsession.ErrInvalidData) {
					t.Errorf("%s: got %v, want ErrInvalidData", name, err)
				}
				if n := len(w.Result().Cookies()); n != 0 {
					t.Errorf("%s: got %d cookies, want none", name, n)
				}
			}
			_, cookies := signIn(t, a, testUser, authsession.WithRememberMe(true))
			w := httptest.NewRecorder()
			if err := a.SetData(w, requestWith(cookies), "k", 1); !errors.Is(err, authsession.ErrInvalidData) {
				t.Errorf("SetData: got %v, want ErrInvalidData", err)
			}
		})
	}
}

// TestFlashReadOnce: two requests carrying the same cookie (two tabs, or
// the first request's answer not yet applied) read a flash once between
// them.
func TestFlashReadOnce(t *testing.T) {
	for _, st := range storages[1:] {
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, nil)
			_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"}, authsession.WithFlash("notice", "hello"))
			got := 0
			for range 2 {
				flashes, err := f.auth.Flashes(httptest.NewRecorder(), requestWith(cookies))
				if err != nil {
					t.Fatal(err)
				}
				got += len(flashes)
			}
			if got != 1 {
				t.Errorf("two reads with the same cookie: got the flash %d times, want once", got)
			}
		})
	}
}
