package authsession_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// sentinels are every sentinel error of the package.
var sentinels = []error{
	authsession.ErrConfig, authsession.ErrNoSession, authsession.ErrInvalidToken,
	authsession.ErrTokenExpired, authsession.ErrSessionTooLarge, authsession.ErrMaxLifetime,
	authsession.ErrNoUserID, authsession.ErrRejected, authsession.ErrNoStore, authsession.ErrStore,
	authsession.ErrConflict, authsession.ErrHeaderWritten, authsession.ErrStoreFull,
	authsession.ErrFieldNotAllowed, authsession.ErrInvalidUpdate, authsession.ErrInvalidData,
	authsession.ErrSessionID,
}

// checkSentinel fails t unless err is nil (when ok) or wraps one of the
// package's sentinels, and its text starts with "authsession: ".
func checkSentinel(t *testing.T, what string, err error, want error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got nil error, want one wrapping %v", what, want)
		return
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("%s: got %v, want it to wrap %v", what, err, want)
	}
	wraps := false
	for _, s := range sentinels {
		wraps = wraps || errors.Is(err, s)
	}
	if !wraps {
		t.Errorf("%s: %q wraps none of the package's sentinels", what, err)
	}
	if !strings.HasPrefix(err.Error(), "authsession: ") {
		t.Errorf("%s: %q does not start with \"authsession: \"", what, err)
	}
}

// nanUser is a user encoding/json cannot encode.
var nanUser = authsession.User{ID: "u_nan", Extra: map[string]any{"score": math.NaN()}}

// badJSONUser is a user type whose own JSON encoding fails.
type badJSONUser struct{ ID string }

func (badJSONUser) MarshalJSON() ([]byte, error) { return nil, errors.New("no JSON today") }
func (u badJSONUser) UserID() string             { return u.ID }

// TestErrorsWrapSentinels: every operation, given hostile input, fails
// with an error that wraps one of the package's sentinels and says so in
// its first words, in both storages, with a store and without: a user or
// a value encoding/json cannot encode, bad keys, a callback that fails, a
// store that is down, tokens of every bad kind.
func TestErrorsWrapSentinels(t *testing.T) {
	ctx := context.Background()
	for _, storage := range []authsession.Storage{authsession.StorageCookie, authsession.StorageServer} {
		f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) { c.Storage = storage })
		a := f.auth
		_, cookies := f.login(t, "u_1", nil, "test")
		r := func() *http.Request { return requestWith(cookies) }
		_, err := a.CreateSession(httpRecorder(), r(), nanUser)
		checkSentinel(t, "CreateSession(a user with a NaN)", err, authsession.ErrInvalidData)
		_, err = a.CreateSession(httpRecorder(), r(), authsession.User{})
		checkSentinel(t, "CreateSession(a user without an id)", err, nil)
		_, err = a.CreateSession(httpRecorder(), r(), authsession.User{ID: "u_2"}, authsession.WithData("", 1))
		checkSentinel(t, "CreateSession(WithData with an empty key)", err, authsession.ErrInvalidData)
		_, err = a.CreateSession(httpRecorder(), r(), authsession.User{ID: "u_2"}, authsession.WithFlash("k", make(chan int)))
		checkSentinel(t, "CreateSession(WithFlash of a channel)", err, authsession.ErrInvalidData)
		_, cookies = f.login(t, "u_1", nil, "test") // a sign-in that fails ends the session it replaces
		_, err = a.UpdateSession(httpRecorder(), r(), func(s *authsession.Session[authsession.User]) error {
			s.User.Extra = map[string]any{"score": math.Inf(1)}
			return nil
		})
		checkSentinel(t, "UpdateSession(an infinite value)", err, authsession.ErrInvalidData)
		refused := errors.New("the callback refuses")
		_, err = a.UpdateSession(httpRecorder(), r(), func(*authsession.Session[authsession.User]) error { return refused })
		checkSentinel(t, "UpdateSession(a callback that fails)", err, refused)
		checkSentinel(t, "SetData(NaN)", a.SetData(httpRecorder(), r(), "k", math.NaN()), authsession.ErrInvalidData)
		checkSentinel(t, "SetData(_flash)", a.SetData(httpRecorder(), r(), "_flash", 1), authsession.ErrInvalidData)
		checkSentinel(t, "SetData(bad UTF-8 key)", a.SetData(httpRecorder(), r(), "\xff", 1), authsession.ErrInvalidData)
		checkSentinel(t, "Flash(a function)", a.Flash(httpRecorder(), r(), "k", func() {}), authsession.ErrInvalidData)
		checkSentinel(t, "DeleteData without a session", a.DeleteData(httpRecorder(), requestWith(nil), "k"), authsession.ErrNoSession)
		_, err = a.RefreshSession(httpRecorder(), requestWith(nil))
		checkSentinel(t, "RefreshSession without a session", err, authsession.ErrNoSession)
		_, err = a.RevokeUserSessions(ctx, "")
		checkSentinel(t, "RevokeUserSessions(\"\")", err, nil)
		checkSentinel(t, "RevokeSession(a made-up id)", a.RevokeSession(ctx, "u_1", "../../etc"), authsession.ErrNoSession)
		_, err = a.ListUserSessions(ctx, "")
		checkSentinel(t, "ListUserSessions(\"\")", err, nil)

		f.store.down.Store(true)
		_, err = a.CreateSession(httpRecorder(), requestWith(nil), authsession.User{ID: "u_3"})
		checkSentinel(t, "CreateSession with the store down", err, authsession.ErrStore)
		_, err = a.RevokeUserSessions(ctx, "u_1")
		checkSentinel(t, "RevokeUserSessions with the store down", err, authsession.ErrStore)
		_, err = a.ListUserSessions(ctx, "u_1")
		checkSentinel(t, "ListUserSessions with the store down", err, authsession.ErrStore)
		checkSentinel(t, "DeleteSession with the store down", a.DeleteSession(httpRecorder(), r()), authsession.ErrStore)
		ctxDone, cancel := context.WithTimeout(ctx, time.Nanosecond)
		<-ctxDone.Done()
		checkSentinel(t, "Close with revocations pending and no time left", a.Close(ctxDone), authsession.ErrStore)
		cancel()
		f.store.down.Store(false)
	}
}

// TestErrorsWrapSentinelsWithoutHTTP: the operations without a request
// (tokens, JSON, configuration) fail the same way on hostile input.
func TestErrorsWrapSentinelsWithoutHTTP(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	now := clk.Now()
	_, err := a.EncryptSession(authsession.Session[authsession.User]{User: nanUser})
	checkSentinel(t, "EncryptSession(a user with a NaN)", err, authsession.ErrInvalidData)
	_, err = a.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{ID: "u"}, ExpiresAt: now.Add(-time.Hour)})
	checkSentinel(t, "EncryptSession(expired)", err, authsession.ErrTokenExpired)
	_, err = a.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{}})
	checkSentinel(t, "EncryptSession(no user id)", err, authsession.ErrNoUserID)
	for _, tok := range []string{"", "a.b.c.d.e", strings.Repeat("A", 1<<20), "\x00", "....."} {
		_, err = a.DecryptSession(tok)
		checkSentinel(t, "DecryptSession(garbage)", err, authsession.ErrInvalidToken)
	}
	custom := buildAuth(t, authsession.Config[badJSONUser]{Secret: testSecret, Now: clk.Now})
	_, err = custom.EncryptSession(authsession.Session[badJSONUser]{User: badJSONUser{ID: "u"}})
	checkSentinel(t, "EncryptSession(a user whose MarshalJSON fails)", err, authsession.ErrInvalidData)
	_, err = custom.CreateSession(httpRecorder(), requestWith(nil), badJSONUser{ID: "u"})
	checkSentinel(t, "CreateSession(a user whose MarshalJSON fails)", err, authsession.ErrInvalidData)

	_, err = nanUser.MarshalJSON()
	checkSentinel(t, "User.MarshalJSON(NaN)", err, authsession.ErrInvalidData)
	_, err = authsession.Session[authsession.User]{User: nanUser}.MarshalJSON()
	checkSentinel(t, "Session.MarshalJSON(NaN)", err, authsession.ErrInvalidData)
	var s authsession.Session[authsession.User]
	checkSentinel(t, "Session.UnmarshalJSON(bad JSON)", s.UnmarshalJSON([]byte(`{"user":`)), authsession.ErrInvalidData)
	var d authsession.Data
	checkSentinel(t, "Data.Set(NaN)", d.Set("k", math.NaN()), authsession.ErrInvalidData)

	_, err = authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: "short"})
	checkSentinel(t, "NextAuthSession(a short secret)", err, authsession.ErrConfig)
	_, err = authsession.NewGuard(&authsession.AuthSession[authsession.User]{}, nil)
	checkSentinel(t, "NewGuard(an AuthSession not built by NextAuthSession)", err, authsession.ErrConfig)
}

// TestErrorsWrapSentinelsFromHooks: errors of the application's hooks and
// of the store come back wrapped: an OnRefresh that fails, a
// ValidateUpdate that refuses (through Actions), a commit the store
// refuses behind the middleware.
func TestErrorsWrapSentinelsFromHooks(t *testing.T) {
	hookErr := errors.New("the hook refuses")
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
		c.OnRefresh = func(context.Context, authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
			return authsession.Session[authsession.User]{}, hookErr
		}
		c.ValidateUpdate = func(_, _ authsession.User) error { return hookErr }
	})
	_, cookies := f.login(t, "u_1", nil, "test")
	res := f.auth.Actions.Update(httpRecorder(), requestWith(cookies), map[string]any{"name": "Bo"})
	checkSentinel(t, "Actions.Update refused by ValidateUpdate", res.Err, authsession.ErrInvalidUpdate)
	res = f.auth.Actions.Refresh(httpRecorder(), requestWith(nil))
	checkSentinel(t, "Actions.Refresh without a session", res.Err, authsession.ErrNoSession)
	_, err := f.auth.RefreshSession(httpRecorder(), requestWith(cookies))
	checkSentinel(t, "RefreshSession with a failing OnRefresh", err, authsession.ErrRejected)

	g := newStoreFixture(t, nil)
	_, cookies = g.login(t, "u_1", nil, "test")
	var commitErr error
	h := g.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := g.auth.SetData(w, r, "k", 1); err != nil {
			t.Errorf("SetData: %v", err)
		}
		g.store.down.Store(true)
		commitErr = g.auth.Commit(w, r)
		g.store.down.Store(false)
	}))
	h.ServeHTTP(httpRecorder(), requestWith(cookies))
	checkSentinel(t, "Commit with the store down", commitErr, authsession.ErrStore)
}

// TestSentinelLists: the sentinels errors.go declares are exactly those
// its wrapsSentinel knows (what an application's callback error is
// checked against) and those this file's checks accept.
func TestSentinelLists(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared, known []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if v, ok := s.(*ast.ValueSpec); ok && d.Tok == token.VAR {
					for _, n := range v.Names {
						if strings.HasPrefix(n.Name, "Err") {
							declared = append(declared, n.Name)
						}
					}
				}
			}
		case *ast.FuncDecl:
			if d.Name.Name != "wrapsSentinel" {
				continue
			}
			ast.Inspect(d.Body, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && strings.HasPrefix(id.Name, "Err") {
					known = append(known, id.Name)
				}
				return true
			})
		}
	}
	slices.Sort(declared)
	slices.Sort(known)
	if !slices.Equal(declared, known) {
		t.Errorf("wrapsSentinel knows %q, errors.go declares %q", known, declared)
	}
	if len(sentinels) != len(declared) {
		t.Errorf("this file's sentinels: %d, errors.go declares %d", len(sentinels), len(declared))
	}
}
