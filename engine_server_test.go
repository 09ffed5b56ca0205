package authsession_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

// Server storage: the cookie holds only the session's id, sealed; the
// session is in the store.

func newServerFixture(t *testing.T, edit func(*authsession.Config[authsession.User])) *storageFixture {
	t.Helper()
	return newStorageFixture(t, authsession.StorageServer, true, edit)
}

// storeCalls is every call the counting store has taken so far.
func (c *countingStore) calls() int64 {
	return c.creates.Load() + c.gets.Load() + c.saves.Load() + c.revokes.Load()
}

// TestServerCookieHoldsOnlyTheID: whatever the session holds, its cookie
// is the same short sealed id (no dots: not a token), and the store holds
// the session, sealed: its data is not readable there either.
func TestServerCookieHoldsOnlyTheID(t *testing.T) {
	f := newServerFixture(t, nil)
	b := newBrowser()
	b.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
	before := b.jar["session"].Value
	big := strings.Repeat("plaintext-marker ", 30_000) // 510 KB
	r := requestWith([]*http.Cookie{b.jar["session"]})
	rec := httpRecorder()
	if err := f.auth.SetData(rec, r, "big", big); err != nil {
		t.Fatalf("SetData of 510 KB: %v", err)
	}
	after := cookieNamed(rec.Result().Cookies(), "session")
	if after != nil {
		t.Errorf("a change of the data re-sent the cookie (%d characters), want the same id kept", len(after.Value))
	}
	if n := len(before); n > 200 || strings.Contains(before, ".") {
		t.Errorf("cookie: %d characters (dots: %v), want at most 200, not a token", n, strings.Contains(before, "."))
	}
	s, ok := f.auth.GetSession(r)
	if !ok {
		t.Fatal("got no session after SetData")
	}
	if got, _ := authsession.Get[string](f.auth.SessionData(r), "big"); got != big {
		t.Errorf("SessionData: got %d bytes, want the 510 KB written", len(got))
	}
	rec2, found, err := f.store.Store.Get(context.Background(), authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
	if err != nil || !found {
		t.Fatalf("the store's record: %v %v", found, err)
	}
	if len(rec2.Data) < len(big) || strings.Contains(string(rec2.Data), "plaintext-marker") {
		t.Errorf("the store's data: %d bytes, want the session sealed", len(rec2.Data))
	}
}

// TestServerBadCookies: a tampered, foreign (another secret) or guessed
// cookie, or a cookie storage token, is no session without a store call;
// a well-sealed cookie of an unknown session costs one call. None is an
// error page.
func TestServerBadCookies(t *testing.T) {
	f := newServerFixture(t, nil)
	other := newServerFixture(t, func(c *authsession.Config[authsession.User]) { c.Secret = "another-secret-0123456789abcdefghijklmnop" })
	cookieStorage := newStorageFixture(t, authsession.StorageCookie, false, nil)
	good := newBrowser()
	good.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
	value := good.jar["session"].Value
	foreign, token := newBrowser(), newBrowser()
	foreign.do(t, other.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
	token.do(t, cookieStorage.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
	flipped := []byte(value)
	flipped[len(flipped)/2] ^= 1
	guess := make([]byte, 70)
	rand.Read(guess)
	unknown := newBrowser()
	unknown.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_2"}})
	if _, err := f.store.RevokeUser(context.Background(), authsession.OwnerOf("u_2")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		value string
		calls int64
	}{
		{"tampered", string(flipped), 0},
		{"foreign secret", foreign.jar["session"].Value, 0},
		{"guessed", base64.RawURLEncoding.EncodeToString(guess), 0},
		{"a cookie storage token", token.jar["session"].Value, 0},
		{"too long", strings.Repeat("A", 4000), 0},
		{"not base64", "!!!", 0},
		{"unknown session", unknown.jar["session"].Value, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/me", "/api/session"} {
				b := newBrowser()
				b.jar["session"] = &http.Cookie{Name: "session", Value: tt.value}
				calls := f.store.calls()
				w := b.do(t, f.site, http.MethodGet, path, nil)
				if got := f.store.calls() - calls; got != tt.calls {
					t.Errorf("%s: %d store calls, want %d", path, got, tt.calls)
				}
				if w.Code != http.StatusOK || w.Body.String() == "u_1" || strings.Contains(w.Body.String(), `"id"`) {
					t.Errorf("%s: got %d %q, want 200 and no session", path, w.Code, w.Body)
				}
			}
		})
	}
}

// TestServerSecretRotation: a cookie sealed under the previous secret
// opens, and so does the stored session sealed under it.
func TestServerSecretRotation(t *testing.T) {
	store := memstore.New(memstore.Options{})
	old := buildAuth(t, authsession.Config[authsession.User]{Secret: "old-secret-0123456789abcdefghijklmnopqr", Storage: authsession.StorageServer, Store: store})
	w := httpRecorder()
	if _, err := old.CreateSession(w, requestWith(nil), authsession.User{ID: "u_1"}, authsession.WithData("cart", "c1")); err != nil {
		t.Fatal(err)
	}
	rotated := buildAuth(t, authsession.Config[authsession.User]{
		Secret: "new-secret-0123456789abcdefghijklmnopqr", PreviousSecrets: []authsession.Secret{"old-secret-0123456789abcdefghijklmnopqr"},
		Storage: authsession.StorageServer, Store: store,
	})
	r := requestWith(w.Result().Cookies())
	if s, ok := rotated.GetSession(r); !ok || s.User.ID != "u_1" {
		t.Fatalf("after rotation: got %v %+v, want the session", ok, s.User)
	}
	if cart, _ := authsession.Get[string](rotated.SessionData(r), "cart"); cart != "c1" {
		t.Errorf("after rotation: data %q, want c1", cart)
	}
	unrotated := buildAuth(t, authsession.Config[authsession.User]{Secret: "new-secret-0123456789abcdefghijklmnopqr", Storage: authsession.StorageServer, Store: store})
	if _, ok := unrotated.GetSession(r); ok {
		t.Errorf("without the previous secret: got a session, want none")
	}
}

// TestServerDataLimit: data over Config.MaxDataBytes is refused with
// ErrSessionTooLarge, and the stored session is left as it was.
func TestServerDataLimit(t *testing.T) {
	f := newServerFixture(t, func(c *authsession.Config[authsession.User]) { c.MaxDataBytes = 4096 })
	s, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"}, authsession.WithData("small", "kept"))
	r := requestWith(cookies)
	before, _, _ := f.store.Store.Get(context.Background(), authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
	saves := f.store.saves.Load()
	w := httpRecorder()
	err := f.auth.SetData(w, r, "big", strings.Repeat("x", 5000))
	if !errors.Is(err, authsession.ErrSessionTooLarge) || !strings.Contains(err.Error(), "MaxDataBytes") {
		t.Errorf("SetData over MaxDataBytes: got %v, want ErrSessionTooLarge naming MaxDataBytes", err)
	}
	after, _, _ := f.store.Store.Get(context.Background(), authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
	if f.store.saves.Load() != saves || string(after.Data) != string(before.Data) || after.Generation != before.Generation {
		t.Errorf("the stored session changed after a refused write")
	}
	if got, _ := authsession.Get[string](f.auth.SessionData(r), "small"); got != "kept" || len(w.Result().Cookies()) != 0 {
		t.Errorf("after the refused write: data %q, %d cookies; want kept, none", got, len(w.Result().Cookies()))
	}
}

// TestServerRoundTrips: an anonymous request that stores nothing costs no
// store call and sets no cookie; a signed-in request that only reads costs
// one store call, with the last-seen time written in it at most once per
// TouchAfter; a request that changes the session one more (the save).
func TestServerRoundTrips(t *testing.T) {
	f := newServerFixture(t, nil)
	b := newBrowser()
	calls := f.store.calls()
	if w := b.do(t, f.site, http.MethodGet, "/me", nil); len(w.Result().Cookies()) != 0 || f.store.calls() != calls {
		t.Errorf("an anonymous request storing nothing: %d store calls, %d cookies; want none", f.store.calls()-calls, len(w.Result().Cookies()))
	}
	b.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
	for i := range 5 {
		f.clk.Add(40 * time.Second)
		calls, saves := f.store.calls(), f.store.saves.Load()
		w := b.do(t, f.site, http.MethodGet, "/me", nil)
		if got := f.store.calls() - calls; got != 1 || f.store.saves.Load() != saves {
			t.Errorf("signed-in read %d: %d store calls, want 1 (no save)", i, got)
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("signed-in read %d: set a cookie", i)
		}
	}
	// Last seen at 0 s (sign-in), touched at 80 s and 160 s.
	if got := f.store.touches.Load(); got != 2 {
		t.Errorf("touches over 200 s of reads every 40 s: got %d, want 2 (TouchAfter 1 minute)", got)
	}
	// A touch is offered (on Redis a script instead of a command) only
	// when this instance has not seen the session within TouchAfter: at
	// 40 s (the first read), 80 s and 160 s.
	if got := f.store.offers.Load(); got != 3 {
		t.Errorf("reads offering a touch: got %d, want 3", got)
	}
	calls = f.store.calls()
	b.get(t, f.site, "/visits")
	if got := f.store.calls() - calls; got != 2 {
		t.Errorf("a signed-in request that changes the session: %d store calls, want 2 (read, save)", got)
	}
}

// TestServerTwoInstances: two instances over one store see one session:
// its data, its changes and its end.
func TestServerTwoInstances(t *testing.T) {
	f := newServerFixture(t, nil)
	g := buildAuth(t, authsession.Config[authsession.User]{Secret: storeTestSecret, Now: f.clk.Now, Storage: authsession.StorageServer, Store: f.store, Cookie: authsession.CookieConfig{Insecure: true}})
	a, b := f.site, g.Middleware(siteMux(g))
	br := newBrowser()
	br.do(t, a, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
	for i, h := range []http.Handler{a, b, a, b} {
		if got := br.get(t, h, "/visits"); got != visits(i+1) {
			t.Errorf("visit %d: got %q", i+1, got)
		}
	}
	kept := *br.jar["session"]
	br.do(t, b, http.MethodPost, "/logout", nil)
	br.jar["session"] = &kept // a copy of the cookie from before
	if got := br.get(t, a, "/me"); got != "-" {
		t.Errorf("after sign-out on the other instance: got %q, want no session", got)
	}
}

// TestServerConcurrentSaves: requests changing one session at once each
// land: a save that finds the session changed applies its change again on
// top of the newer one, never over it.
func TestServerConcurrentSaves(t *testing.T) {
	f := newServerFixture(t, nil)
	_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"})
	const workers = 8
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.auth.SetData(httpRecorder(), requestWith(cookies), string(rune('a'+i)), i); err != nil && !errors.Is(err, authsession.ErrConflict) {
				t.Errorf("SetData %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	data := f.auth.SessionData(requestWith(cookies))
	conflicts := 0
	for i := range workers {
		if _, ok := data[string(rune('a'+i))]; !ok {
			conflicts++
		}
	}
	// A save retries up to 3 times: with 8 writers some may give up, with
	// ErrConflict (never silently).
	if conflicts > workers/2 {
		t.Errorf("keys written: %d of %d", workers-conflicts, workers)
	}
}

// TestServerSignOutWinsOverSave: a sign-out racing saves of the same
// session ends it for good: no save brings it back.
func TestServerSignOutWinsOverSave(t *testing.T) {
	f := newServerFixture(t, nil)
	for range 30 {
		_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 5 {
				f.auth.SetData(httpRecorder(), requestWith(cookies), "k", i)
			}
		}()
		go func() {
			defer wg.Done()
			if err := f.auth.DeleteSession(httpRecorder(), requestWith(cookies)); err != nil {
				t.Errorf("DeleteSession: %v", err)
			}
		}()
		wg.Wait()
		if _, ok := f.auth.GetSession(requestWith(cookies)); ok {
			t.Fatal("a save racing the sign-out brought the session back")
		}
	}
}

// TestServerDataDepth: in server storage as in a token, a session nests
// at most 64 levels of JSON: a write that would nest deeper fails with
// ErrInvalidData and changes nothing, so every stored session reads back
// (and copies, for the next update) through Session's own decoding.
func TestServerDataDepth(t *testing.T) {
	f := newServerFixture(t, nil)
	_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"}, authsession.WithData("small", "kept"))
	r := requestWith(cookies)
	var deep any = "bottom"
	for range 70 {
		deep = []any{deep}
	}
	saves := f.store.saves.Load()
	if err := f.auth.SetData(httpRecorder(), r, "deep", deep); !errors.Is(err, authsession.ErrInvalidData) {
		t.Errorf("SetData of 70 nested arrays: got %v, want ErrInvalidData", err)
	}
	if f.store.saves.Load() != saves {
		t.Errorf("the stored session changed after a refused write")
	}
	if _, err := f.auth.UpdateSession(httpRecorder(), r, func(s *authsession.Session[authsession.User]) error {
		return s.Data.Set("shallow", []any{1})
	}); err != nil {
		t.Errorf("an update after the refused write: %v", err)
	}
}
