package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/oidc"
	"github.com/authsession/authsession/oidc/storetest"
)

func newAuth[U any](t *testing.T, tweak func(*authsession.Config[U])) *authsession.AuthSession[U] {
	t.Helper()
	c := authsession.Config[U]{Secret: testSecret, Logger: quiet}
	if tweak != nil {
		tweak(&c)
	}
	auth, err := authsession.NextAuthSession(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close(context.Background()) })
	return auth
}

func TestNewConfigErrors(t *testing.T) {
	good := oidc.Provider{Name: "op", Issuer: "https://op.test", ClientID: "c"}
	with := func(f func(*oidc.Provider)) []oidc.Provider {
		p := good
		f(&p)
		return []oidc.Provider{p}
	}
	for _, tc := range []struct {
		name string
		auth func(*authsession.Config[authsession.User])
		cfg  oidc.Config[authsession.User]
		want string
	}{
		{name: "no providers", want: "Providers is empty"},
		{name: "bad name", cfg: oidc.Config[authsession.User]{Providers: with(func(p *oidc.Provider) { p.Name = "Op!" })}, want: "Name"},
		{name: "long name", cfg: oidc.Config[authsession.User]{Providers: with(func(p *oidc.Provider) { p.Name = strings.Repeat("a", 33) })}, want: "Name"},
		{name: "duplicate", cfg: oidc.Config[authsession.User]{Providers: []oidc.Provider{good, good}}, want: "used twice"},
		{name: "no issuer", cfg: oidc.Config[authsession.User]{Providers: with(func(p *oidc.Provider) { p.Issuer = "" })}, want: "Issuer"},
		{name: "http issuer", cfg: oidc.Config[authsession.User]{Providers: with(func(p *oidc.Provider) { p.Issuer = "http://op.example" })}, want: "https"},
		{name: "relative issuer", cfg: oidc.Config[authsession.User]{Providers: with(func(p *oidc.Provider) { p.Issuer = "/op" })}, want: "absolute"},
		{name: "no client id", cfg: oidc.Config[authsession.User]{Providers: with(func(p *oidc.Provider) { p.ClientID = "" })}, want: "ClientID"},
		{name: "redirect elsewhere", cfg: oidc.Config[authsession.User]{Providers: with(func(p *oidc.Provider) { p.RedirectURL = "https://app.test/cb" })}, want: "RedirectURL"},
		{name: "bad post-logout", cfg: oidc.Config[authsession.User]{Providers: with(func(p *oidc.Provider) { p.PostLogoutRedirectURL = "ftp://x" })}, want: "PostLogoutRedirectURL"},
		{name: "base path slash", cfg: oidc.Config[authsession.User]{Providers: []oidc.Provider{good}, BasePath: "/auth/"}, want: "BasePath"},
		{name: "base path root", cfg: oidc.Config[authsession.User]{Providers: []oidc.Provider{good}, BasePath: "/"}, want: "BasePath"},
		{name: "base path remote", cfg: oidc.Config[authsession.User]{Providers: []oidc.Provider{good}, BasePath: "//evil"}, want: "BasePath"},
		{name: "negative margin", cfg: oidc.Config[authsession.User]{Providers: []oidc.Provider{good}, RefreshMargin: -1}, want: "RefreshMargin"},
		{name: "foreign format", auth: func(c *authsession.Config[authsession.User]) { c.Format = authsession.FormatAuthJS },
			cfg: oidc.Config[authsession.User]{Providers: []oidc.Provider{good}}, want: "Format"},
		{name: "exposed data", auth: func(c *authsession.Config[authsession.User]) { c.ExposeData = true },
			cfg: oidc.Config[authsession.User]{Providers: []oidc.Provider{good}}, want: "KeepTokensInStore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oidc.New(newAuth(t, tc.auth), tc.cfg)
			if !errors.Is(err, oidc.ErrConfig) || !strings.Contains(fmt.Sprint(err), tc.want) {
				t.Errorf("err = %v, want ErrConfig naming %q", err, tc.want)
			}
		})
	}
	if _, err := oidc.New[authsession.User](nil, oidc.Config[authsession.User]{Providers: []oidc.Provider{good}}); !errors.Is(err, oidc.ErrConfig) {
		t.Errorf("nil auth: err = %v", err)
	}
	// With ExposeData, keeping the tokens in the store is fine.
	_, err := oidc.New(newAuth(t, func(c *authsession.Config[authsession.User]) { c.ExposeData = true }),
		oidc.Config[authsession.User]{Providers: []oidc.Provider{good}, KeepTokensInStore: true})
	if err != nil {
		t.Errorf("ExposeData with KeepTokensInStore: %v", err)
	}
	// Loopback issuers may use http.
	_, err = oidc.New(newAuth[authsession.User](t, nil), oidc.Config[authsession.User]{Providers: with(func(p *oidc.Provider) { p.Issuer = "http://localhost:9998/" })})
	if err != nil {
		t.Errorf("http://localhost issuer: %v", err)
	}
}

// member is an application's own user type.
type member struct {
	ID, Email string
	Admin     bool
}

func (m member) UserID() string { return m.ID }

func TestMapUser(t *testing.T) {
	w := newWorld(t)
	// A user type of its own needs MapUser.
	_, err := oidc.New(newAuth[member](t, nil), oidc.Config[member]{Providers: []oidc.Provider{{Name: "op", Issuer: opIssuer, ClientID: "c"}}})
	if !errors.Is(err, oidc.ErrConfig) || !strings.Contains(err.Error(), "MapUser") {
		t.Fatalf("no MapUser for a custom type: %v", err)
	}
	auth := newAuth(t, func(c *authsession.Config[member]) { c.Now = w.clock.Now })
	var seen oidc.Identity
	rp, err := oidc.New(auth, oidc.Config[member]{
		Providers:  []oidc.Provider{{Name: "op", Issuer: opIssuer, ClientID: w.op.clientID, ClientSecret: authsession.Secret(w.op.secret)}},
		HTTPClient: &http.Client{Transport: w.transport()},
		Logger:     quiet,
		MapUser: func(ctx context.Context, id oidc.Identity) (member, error) {
			seen = id
			var c struct {
				Groups []string `json:"groups"`
			}
			if err := id.Claims(&c); err != nil {
				return member{}, err
			}
			if id.Email == "mallory@example.com" {
				return member{}, fmt.Errorf("%w: banned", oidc.ErrAccessDenied)
			}
			return member{ID: id.Issuer + "|" + id.Subject, Email: id.Email, Admin: len(c.Groups) > 0 && c.Groups[0] == "admins"}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", rp)
	var got member
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		s, _ := auth.GetSession(r)
		got = s.User
	})
	w.hosts["app.test"] = auth.Middleware(mux)
	w.op.idClaims = func(c map[string]any) { c["groups"] = []string{"admins"} }
	b := w.browser()
	b.follow(appOrigin + "/auth/signin/op")
	b.get(appOrigin + "/me")
	if got != (member{ID: opIssuer + "|user-1", Email: "ann@example.com", Admin: true}) {
		t.Errorf("user %+v", got)
	}
	if seen.Provider != "op" || seen.Subject != "user-1" || seen.Name != "Ann" || !seen.EmailVerified || seen.SessionID != "op-session-1" {
		t.Errorf("identity %+v", seen)
	}
	// Refused by MapUser: 403, no session.
	w.op.idClaims = func(c map[string]any) { c["email"] = "mallory@example.com" }
	m := w.browser()
	res, body, _ := m.follow(appOrigin + "/auth/signin/op")
	if res.StatusCode != 403 || !strings.Contains(body, "access_denied") {
		t.Errorf("refused user: %d %s", res.StatusCode, body)
	}
	got = member{}
	m.get(appOrigin + "/me")
	if got.ID != "" {
		t.Error("a refused user got a session")
	}
}

// TestDiscover: Discover reports a provider that is down, and New does not.
func TestDiscover(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	w.op.down.Store(true)
	if err := a.rp.Discover(context.Background()); !errors.Is(err, oidc.ErrProviderUnavailable) {
		t.Errorf("down: %v", err)
	}
	w.op.down.Store(false)
	w.clock.Add(2e9)
	if err := a.rp.Discover(context.Background()); err != nil {
		t.Errorf("up: %v", err)
	}
	if got := a.rp.SignInPath("op", "/a b"); got != "/auth/signin/op?callbackUrl=%2Fa+b" {
		t.Errorf("SignInPath = %q", got)
	}
	if got := a.rp.Providers(); len(got) != 1 || got[0] != "op" {
		t.Errorf("Providers = %v", got)
	}
}

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) oidc.Store { return oidc.NewMemoryStore(oidc.MemoryStoreOptions{}) })
}
