package authsession_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authsession/authsession"
)

func TestNewSessionID(t *testing.T) {
	var calls atomic.Int64
	gen := func() string {
		calls.Add(1)
		return "sid_" + rand.Text() // 26 base32 characters
	}
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) { c.NewSessionID = gen })
	if got := calls.Load(); got != 3 {
		t.Errorf("NextAuthSession called the generator %d times, want 3", got)
	}
	s, cookies := f.login(t, "u_1", nil, "UA")
	if !strings.HasPrefix(s.ID, "sid_") {
		t.Errorf("session id: got %q, want one from the generator", s.ID)
	}
	got, ok := f.get(cookies)
	if !ok || got.ID != s.ID {
		t.Errorf("cookie: got %v %q, want session %q", ok, got.ID, s.ID)
	}
	recs, err := f.auth.ListUserSessions(t.Context(), "u_1")
	if err != nil || len(recs) != 1 || recs[0].ID != s.ID {
		t.Errorf("store: got %v %v, want the generated id", recs, err)
	}
	tok, err := f.auth.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{ID: "u_2"}})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := f.auth.DecryptSession(tok); err != nil || !strings.HasPrefix(d.ID, "sid_") {
		t.Errorf("EncryptSession: got id %q %v, want one from the generator", d.ID, err)
	}
}

// nanoid is next-session's default genid: 21 characters of the URL-safe
// alphabet, 126 random bits.
func nanoid() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var b [21]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[b[i]&63]
	}
	return string(b[:])
}

// TestNewSessionIDNanoid: next-session's nanoid ids (21 characters) and
// the longest ids are taken, in both storages; the server storage's
// cookie stays under 200 characters with them.
func TestNewSessionIDNanoid(t *testing.T) {
	for _, gen := range []func() string{nanoid, func() string { return strings.Repeat(nanoid(), 7)[:authsession.MaxSessionIDLength] }} {
		for _, st := range storages {
			f := newStorageFixture(t, st.storage, st.store, func(c *authsession.Config[authsession.User]) { c.NewSessionID = gen })
			b := newBrowser()
			b.do(t, f.site, "POST", "/login", map[string][]string{"user": {"u_1"}})
			if got := b.get(t, f.site, "/me"); got != "u_1" {
				t.Errorf("%s, %d-character ids: got %q, want signed in", st.name, len(gen()), got)
			}
			if c := b.jar["session"]; st.storage == authsession.StorageServer && (c == nil || len(c.Value) > 200) {
				t.Errorf("%s, %d-character ids: cookie %v, want at most 200 characters", st.name, len(gen()), c)
			}
		}
	}
}

func TestNewSessionIDValidation(t *testing.T) {
	counter := 0
	tests := []struct {
		name string
		gen  func() string
		want string
	}{
		{"empty", func() string { return "" }, "returned an id of 0 characters, want 21 to 128"},
		{"too short", func() string { return rand.Text()[:20] }, "20 characters"},
		{"too long", func() string { return strings.Repeat(rand.Text(), 5) }, "130 characters"},
		{"slash", func() string { return "a/" + rand.Text() }, "character 2"},
		{"dot", func() string { return rand.Text() + "." }, "character 27"},
		{"space", func() string { return rand.Text() + " x" }, "URL-safe"},
		{"non-ASCII", func() string { return rand.Text() + "é" }, "URL-safe"},
		{"constant", func() string { return "0123456789abcdefghijklmnopqrstuv" }, "same id twice"},
		{"counter with few bits", func() string { counter++; return fmt.Sprintf("%022d", counter%2) }, "same id twice"},
		{"panics", func() string { panic("no entropy") }, "panicked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, NewSessionID: tt.gen})
			if !errors.Is(err, authsession.ErrConfig) || !strings.Contains(err.Error(), "invalid configuration: NewSessionID: ") {
				t.Fatalf("got %v, want ErrConfig naming NewSessionID", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to mention %q", err, tt.want)
			}
		})
	}
	t.Run("valid alphabets", func(t *testing.T) {
		for name, gen := range map[string]func() string{
			"hex":    func() string { b := make([]byte, 16); rand.Read(b); return hex.EncodeToString(b) },
			"base32": rand.Text,
			"uuid-like": func() string {
				b := make([]byte, 16)
				rand.Read(b)
				h := hex.EncodeToString(b)
				return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
			},
			"longest": func() string { return strings.Repeat("a", 102) + rand.Text() },
		} {
			if _, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, NewSessionID: gen}); err != nil {
				t.Errorf("%s: got %v, want nil", name, err)
			}
		}
	})
}

// TestNewSessionIDCheckedEveryTime: a generator that goes bad after
// construction fails the sign-in; nothing is written or recorded, and the
// id is never in the error.
func TestNewSessionIDCheckedEveryTime(t *testing.T) {
	var bad atomic.Bool
	const badID = "evil/id/../with-slashes-and-enough-length"
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
		c.NewSessionID = func() string {
			if bad.Load() {
				return badID
			}
			return rand.Text()
		}
	})
	bad.Store(true)
	w := httptest.NewRecorder()
	_, err := f.auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_1"})
	if !errors.Is(err, authsession.ErrSessionID) {
		t.Fatalf("CreateSession: got %v, want ErrSessionID", err)
	}
	if strings.Contains(err.Error(), badID) {
		t.Errorf("error %q contains the id", err)
	}
	if n := len(w.Result().Cookies()); n != 0 {
		t.Errorf("cookies: got %d, want none", n)
	}
	if recs, _ := f.auth.ListUserSessions(t.Context(), "u_1"); len(recs) != 0 {
		t.Errorf("store: got %d records, want none", len(recs))
	}
	if _, err := f.auth.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}}); !errors.Is(err, authsession.ErrSessionID) {
		t.Errorf("EncryptSession: got %v, want ErrSessionID", err)
	}
}
