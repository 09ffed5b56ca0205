package authsession_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/memstore"
)

const storeTestSecret = "store-test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// countingStore wraps a Store, counts its calls and can be switched to
// failing (down), to hanging until the call's context is done (hang: a
// frozen Redis), or to losing writes (dropCreates, dropRevokes: a store
// that acknowledges writes it drops; dropTouches: a store that never
// takes a touch or a save).
type countingStore struct {
	authsession.Store
	creates, gets, touches, saves, revokes atomic.Int64
	offers                                 atomic.Int64 // Gets with a touch
	down, hang                             atomic.Bool
	dropCreates, dropTouches, dropRevokes  atomic.Bool
}

var errDown = errors.New("store is down")

// fail returns the error a call gets from a store that is down or hangs.
func (c *countingStore) fail(ctx context.Context) error {
	if c.hang.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	if c.down.Load() {
		return errDown
	}
	return nil
}

func (c *countingStore) Create(ctx context.Context, rec authsession.SessionRecord) error {
	c.creates.Add(1)
	if err := c.fail(ctx); err != nil || c.dropCreates.Load() {
		return err
	}
	return c.Store.Create(ctx, rec)
}

// Get counts the touch it folds in, when it is due, as a touch.
func (c *countingStore) Get(ctx context.Context, owner, id string, touch authsession.Touch) (authsession.SessionRecord, bool, error) {
	c.gets.Add(1)
	if err := c.fail(ctx); err != nil {
		return authsession.SessionRecord{}, false, err
	}
	if touch != (authsession.Touch{}) {
		c.offers.Add(1)
		if rec, found, err := c.Store.Get(ctx, owner, id, authsession.Touch{}); err == nil && found && touch.Due(rec.LastSeen) {
			c.touches.Add(1)
		}
		if c.dropTouches.Load() {
			touch = authsession.Touch{}
		}
	}
	return c.Store.Get(ctx, owner, id, touch)
}

func (c *countingStore) Save(ctx context.Context, rec authsession.SessionRecord, prev uint64) (bool, error) {
	c.saves.Add(1)
	if err := c.fail(ctx); err != nil || c.dropTouches.Load() {
		return false, err
	}
	return c.Store.Save(ctx, rec, prev)
}

func (c *countingStore) Revoke(ctx context.Context, owner, id string) error {
	c.revokes.Add(1)
	if err := c.fail(ctx); err != nil || c.dropRevokes.Load() {
		return err
	}
	return c.Store.Revoke(ctx, owner, id)
}

func (c *countingStore) RevokeUser(ctx context.Context, owner string) (int, error) {
	if err := c.fail(ctx); err != nil || c.dropRevokes.Load() {
		return 0, err
	}
	return c.Store.RevokeUser(ctx, owner)
}

func (c *countingStore) ListUser(ctx context.Context, owner string) ([]authsession.SessionRecord, error) {
	if err := c.fail(ctx); err != nil {
		return nil, err
	}
	return c.Store.ListUser(ctx, owner)
}

// storeFixture is an AuthSession over a counting memory store and a
// manual clock, logging into a buffer.
type storeFixture struct {
	auth  *authsession.AuthSession[authsession.User]
	store *countingStore
	clk   *testclock.Clock
	logs  *testenv.Buffer
}

func newStoreFixture(t *testing.T, edit func(*authsession.Config[authsession.User])) *storeFixture {
	t.Helper()
	clk := testclock.New(time.UnixMilli(1_767_139_200_000))
	f := &storeFixture{
		store: &countingStore{Store: memstore.New(memstore.Options{Now: clk.Now})},
		clk:   clk,
		logs:  &testenv.Buffer{},
	}
	cfg := authsession.Config[authsession.User]{
		Secret: storeTestSecret,
		Now:    clk.Now,
		Logger: debugLogger(f.logs),
	}
	cfg.Store = f.store
	if edit != nil {
		edit(&cfg)
	}
	f.auth = buildAuth(t, cfg)
	return f
}

// login signs user in from a request carrying cookies and returns the
// session and the cookies of the response.
func (f *storeFixture) login(t *testing.T, userID string, cookies []*http.Cookie, ua string) (authsession.Session[authsession.User], []*http.Cookie) {
	t.Helper()
	r := httptest.NewRequest("POST", "/login", nil)
	r.Header.Set("User-Agent", ua)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	s, err := f.auth.CreateSession(w, r, authsession.User{ID: userID, Email: userID + "@example.com"})
	if err != nil {
		t.Errorf("CreateSession: %v", err) // not Fatal: called from goroutines too
	}
	return s, w.Result().Cookies()
}

func (f *storeFixture) get(cookies []*http.Cookie) (authsession.Session[authsession.User], bool) {
	return f.auth.GetSession(requestWith(cookies))
}

func TestStoreRevocation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		revoke func(t *testing.T, f *storeFixture, s authsession.Session[authsession.User], cookies []*http.Cookie)
	}{
		{"DeleteSession", func(t *testing.T, f *storeFixture, _ authsession.Session[authsession.User], cookies []*http.Cookie) {
			if err := f.auth.DeleteSession(httptest.NewRecorder(), requestWith(cookies)); err != nil {
				t.Fatalf("DeleteSession: %v", err)
			}
		}},
		{"RevokeUserSessions", func(t *testing.T, f *storeFixture, _ authsession.Session[authsession.User], _ []*http.Cookie) {
			n, err := f.auth.RevokeUserSessions(ctx, "u_1")
			if n != 2 || err != nil {
				t.Fatalf("RevokeUserSessions: got %d, %v, want 2, nil", n, err)
			}
		}},
		{"RevokeSession", func(t *testing.T, f *storeFixture, s authsession.Session[authsession.User], _ []*http.Cookie) {
			if err := f.auth.RevokeSession(ctx, "u_1", s.ID); err != nil {
				t.Fatalf("RevokeSession: %v", err)
			}
		}},
		{"store entry expired", func(t *testing.T, f *storeFixture, s authsession.Session[authsession.User], _ []*http.Cookie) {
			// The record vanishes (eviction, a flushed Redis) while the
			// cookie is still valid.
			if err := f.store.Store.Revoke(ctx, authsession.OwnerOf("u_1"), s.ID); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newStoreFixture(t, nil)
			s, cookies := f.login(t, "u_1", nil, "Browser A")
			_, other := f.login(t, "u_1", nil, "Browser B")
			// Read twice: the second read is a verified-token cache hit,
			// and the store check must still run on it.
			for i := range 2 {
				if _, ok := f.get(cookies); !ok {
					t.Fatalf("read %d before revocation: got no session, want one", i)
				}
			}
			tt.revoke(t, f, s, cookies)
			if _, ok := f.get(cookies); ok {
				t.Errorf("after revocation: got a session, want none")
			}
			_, otherOK := f.get(other)
			if wantOther := tt.name != "RevokeUserSessions"; otherOK != wantOther {
				t.Errorf("the user's other session: got live=%v, want %v", otherOK, wantOther)
			}
			if strings.Contains(f.logs.String(), cookies[0].Value[:20]) || strings.Contains(f.logs.String(), s.ID) {
				t.Errorf("log contains the token or the session id:\n%s", f.logs.String())
			}
		})
	}
}

func TestStoreUnrecordedTokenIsNoSession(t *testing.T) {
	f := newStoreFixture(t, nil)
	now := f.clk.Now()
	tok, err := f.auth.EncryptSession(authsession.Session[authsession.User]{
		User: authsession.User{ID: "u_1"}, CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.get([]*http.Cookie{{Name: "session", Value: tok}}); ok {
		t.Errorf("token never recorded in the store: got a session, want none")
	}
}

func TestStoreRecordBelongsToAnotherUser(t *testing.T) {
	f := newStoreFixture(t, nil)
	s, _ := f.login(t, "u_1", nil, "A")
	// Forge a token for user u_2 carrying u_1's live session id: only
	// possible with the secret, but the store must still not mix users.
	now := f.clk.Now()
	tok, err := f.auth.EncryptSession(authsession.Session[authsession.User]{
		ID: s.ID, User: authsession.User{ID: "u_2"}, CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.get([]*http.Cookie{{Name: "session", Value: tok}}); ok {
		t.Errorf("record of u_1 accepted for u_2: got a session, want none")
	}
}

func TestStoreReLoginRevokesPreviousSession(t *testing.T) {
	f := newStoreFixture(t, nil)
	first, cookies := f.login(t, "u_1", nil, "A")
	second, newCookies := f.login(t, "u_1", cookies, "A")
	if first.ID == second.ID {
		t.Fatalf("re-login kept the session id %q", first.ID)
	}
	if _, ok := f.get(cookies); ok {
		t.Errorf("previous session after re-login: got live, want revoked")
	}
	if _, ok := f.get(newCookies); !ok {
		t.Errorf("new session: got none, want live")
	}
	recs, err := f.auth.ListUserSessions(context.Background(), "u_1")
	if err != nil || len(recs) != 1 || recs[0].ID != second.ID {
		t.Errorf("ListUserSessions: got %+v, %v, want only the new session", recs, err)
	}
}

func TestStoreListUserSessions(t *testing.T) {
	f := newStoreFixture(t, nil)
	ctx := context.Background()
	a, _ := f.login(t, "u_1", nil, "Firefox on Linux")
	f.clk.Add(time.Second)
	b, _ := f.login(t, "u_1", nil, "Safari on iPhone")
	f.login(t, "u_2", nil, "Chrome")
	recs, err := f.auth.ListUserSessions(ctx, "u_1")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("ListUserSessions: got %d records, want 2", len(recs))
	}
	// Most recently seen first.
	want := []struct {
		id, client string
		created    time.Time
	}{{b.ID, "Safari on iPhone", b.CreatedAt}, {a.ID, "Firefox on Linux", a.CreatedAt}}
	for i, w := range want {
		got := recs[i]
		if got.ID != w.id || got.Client != w.client || got.UserID != "u_1" || !got.CreatedAt.Equal(w.created) {
			t.Errorf("record %d: got %+v, want id %s client %q created %v", i, got, w.id, w.client, w.created)
		}
	}
	// Revoking another user's session by id is refused.
	if err := f.auth.RevokeSession(ctx, "u_2", a.ID); !errors.Is(err, authsession.ErrNoSession) {
		t.Errorf("RevokeSession of another user's session: got %v, want ErrNoSession", err)
	}
	if recs, _ := f.auth.ListUserSessions(ctx, "u_1"); len(recs) != 2 {
		t.Errorf("after refused revocation: got %d sessions, want 2", len(recs))
	}
}

func TestStoreClientDescription(t *testing.T) {
	tests := []struct {
		name, ua, want string
	}{
		{"plain", "Mozilla/5.0 (X11)", "Mozilla/5.0 (X11)"},
		{"empty", "", ""},
		{"control characters", "a\x00b\x1b[31mc\td\r\ne", "a b [31mc d e"},
		{"bidi override", "abc\u202Eevil", "abc evil"},
		{"invalid utf-8", "ok\xff\xfe!", "ok !"},
		{"spaces collapsed and trimmed", "  a   b  ", "a b"},
		{"long", strings.Repeat("x", 10000), strings.Repeat("x", authsession.MaxClientLength)},
		{"long multibyte", strings.Repeat("é", 1000), strings.Repeat("é", authsession.MaxClientLength/2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newStoreFixture(t, nil)
			f.login(t, "u_1", nil, tt.ua)
			recs, err := f.auth.ListUserSessions(context.Background(), "u_1")
			if err != nil || len(recs) != 1 {
				t.Fatalf("ListUserSessions: got %d, %v", len(recs), err)
			}
			got := recs[0].Client
			if got != tt.want {
				t.Errorf("Client: got %q, want %q", got, tt.want)
			}
			if len(got) > authsession.MaxClientLength || !utf8.ValidString(got) {
				t.Errorf("Client %q: longer than %d or invalid UTF-8", got, authsession.MaxClientLength)
			}
		})
	}
}

func TestStoreRefreshExtendsRecord(t *testing.T) {
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
		c.Expiry = time.Hour
		c.RefreshThreshold = 10 * time.Minute
	})
	_, cookies := f.login(t, "u_1", nil, "A")
	f.clk.Add(50 * time.Minute)
	w := httptest.NewRecorder()
	s, err := f.auth.RefreshSession(w, requestWith(cookies))
	if err != nil {
		t.Fatalf("RefreshSession: %v", err)
	}
	// Past the first expiry, the refreshed cookie's record is still live.
	f.clk.Add(30 * time.Minute)
	got, ok := f.get(w.Result().Cookies())
	if !ok || got.ID != s.ID {
		t.Fatalf("after refresh: got ok=%v, want the refreshed session", ok)
	}
	recs, _ := f.auth.ListUserSessions(context.Background(), "u_1")
	if len(recs) != 1 || !recs[0].ExpiresAt.Equal(s.ExpiresAt) {
		t.Errorf("record after refresh: got %+v, want expiry %v", recs, s.ExpiresAt)
	}
}

func TestStoreOperationsWithoutStore(t *testing.T) {
	auth := buildAuth(t, authsession.Config[authsession.User]{Secret: storeTestSecret})
	ctx := context.Background()
	if _, err := auth.RevokeUserSessions(ctx, "u_1"); !errors.Is(err, authsession.ErrNoStore) {
		t.Errorf("RevokeUserSessions: got %v, want ErrNoStore", err)
	}
	if _, err := auth.ListUserSessions(ctx, "u_1"); !errors.Is(err, authsession.ErrNoStore) {
		t.Errorf("ListUserSessions: got %v, want ErrNoStore", err)
	}
	if err := auth.RevokeSession(ctx, "u_1", "x"); !errors.Is(err, authsession.ErrNoStore) {
		t.Errorf("RevokeSession: got %v, want ErrNoStore", err)
	}
}

func TestStoreEmptyUserID(t *testing.T) {
	f := newStoreFixture(t, nil)
	ctx := context.Background()
	_, err := f.auth.CreateSession(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), authsession.User{})
	if !errors.Is(err, authsession.ErrNoUserID) {
		t.Errorf("CreateSession with an empty user id: got %v, want ErrNoUserID", err)
	}
	if _, err := f.auth.RevokeUserSessions(ctx, ""); err == nil {
		t.Errorf("RevokeUserSessions(\"\"): got nil error, want one")
	}
	if _, err := f.auth.ListUserSessions(ctx, ""); err == nil {
		t.Errorf("ListUserSessions(\"\"): got nil error, want one")
	}
}

type noIDUser struct{ Name string }

func TestStoreRequiresUserIDer(t *testing.T) {
	_, err := authsession.NextAuthSession(authsession.Config[noIDUser]{
		Secret: storeTestSecret,
		Store:  memstore.New(memstore.Options{}),
	})
	if !errors.Is(err, authsession.ErrConfig) {
		t.Errorf("got %v, want ErrConfig", err)
	}
}

func TestStoreConcurrentSessions(t *testing.T) {
	f := newStoreFixture(t, nil)
	ctx := context.Background()
	const workers, each = 8, 20
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf("w%d", w)
			for i := range each {
				_, cookies := f.login(t, user, nil, "A")
				if _, ok := f.get(cookies); !ok {
					t.Errorf("worker %d: fresh session not live", w)
				}
				if i%2 == 0 {
					if err := f.auth.DeleteSession(httptest.NewRecorder(), requestWith(cookies)); err != nil {
						t.Errorf("DeleteSession: %v", err)
					}
					if _, ok := f.get(cookies); ok {
						t.Errorf("worker %d: deleted session still live", w)
					}
				}
			}
		}()
	}
	// "Log out everywhere" racing sign-ins of the same user.
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range each {
			f.login(t, "racer", nil, "A")
		}
	}()
	go func() {
		defer wg.Done()
		for range 10 {
			if _, err := f.auth.RevokeUserSessions(ctx, "racer"); err != nil {
				t.Errorf("RevokeUserSessions: %v", err)
			}
		}
	}()
	wg.Wait()
	for w := range workers {
		recs, err := f.auth.ListUserSessions(ctx, fmt.Sprintf("w%d", w))
		if err != nil || len(recs) != each/2 {
			t.Errorf("worker %d: got %d live sessions (%v), want %d", w, len(recs), err, each/2)
		}
	}
	if _, err := f.auth.RevokeUserSessions(ctx, "racer"); err != nil {
		t.Fatal(err)
	}
	if recs, _ := f.auth.ListUserSessions(ctx, "racer"); len(recs) != 0 {
		t.Errorf("after log out everywhere: got %d sessions, want 0", len(recs))
	}
}
