package oidc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/oidc"
	"github.com/authsession/authsession/redisstore"
)

// These tests run against a real provider: zitadel's example OpenID
// provider (github.com/zitadel/oidc/v3/example/server@v3.52.0), which
// scripts/steps/50-oidc.sh starts with REDIRECT_URI including
// realRedirect. Its client "web" (secret "secret", HTTP Basic) gets
// refresh tokens with offline_access and rotates them: a refresh token
// works once. Its access tokens live five minutes.
const (
	issuerEnv    = "AUTHSESSION_OIDC_ISSUER"
	realRedirect = "https://app0.test/auth/callback"
	realUser     = "test-user@localhost"
	realPassword = "verysecure"
)

func realIssuer(t *testing.T) string {
	iss := os.Getenv(issuerEnv)
	if iss == "" {
		testenv.Missing(t, "zitadel's example OpenID provider",
			"set "+issuerEnv+" to its issuer (http://localhost:PORT/), started with REDIRECT_URI="+realRedirect+" (scripts/steps/50-oidc.sh does)")
	}
	return iss
}

// grantCounter counts the refresh grants the application instances send
// to the provider.
type grantCounter struct {
	next     http.RoundTripper
	refreshs atomic.Int64
}

func (g *grantCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		if q, _ := url.ParseQuery(string(b)); q.Get("grant_type") == "refresh_token" {
			g.refreshs.Add(1)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return g.next.RoundTrip(r)
}

// realWorld is the real provider and instances of the application in
// memory, sharing Redis when kind is set (else memory stores).
type realWorld struct {
	t      *testing.T
	issuer string
	hosts  map[string]http.Handler
	grants *grantCounter
	clock  *clock // the instances' clock; the provider keeps its own
}

func newRealWorld(t *testing.T) *realWorld {
	return &realWorld{t: t, issuer: realIssuer(t), hosts: map[string]http.Handler{}, grants: &grantCounter{next: http.DefaultTransport}, clock: newClock()}
}

// intoMargin moves the instances' clock to 30 s before the provider's
// five-minute access tokens expire: inside the default one-minute refresh
// margin.
func (rw *realWorld) intoMargin() { rw.clock.Add(4*time.Minute + 30*time.Second) }

// transport reaches the application instances in memory, the provider
// over the network.
func (rw *realWorld) transport() http.RoundTripper {
	return tlsTransport{transport{hosts: rw.hosts, next: http.DefaultTransport}}
}

// realApp starts instance i of the application, on stores shared by every
// instance.
func (rw *realWorld) realApp(i int, authStore authsession.Store, store oidc.Store, stored bool, signOuts *atomic.Int64) *app {
	t := rw.t
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: testSecret, Store: authStore, Logger: quiet, Now: rw.clock.Now,
		GenerationGrace: 30 * time.Second, // every request of the burst is in flight when the refresh lands
		Events: authsession.Events[authsession.User]{SignOut: func(context.Context, authsession.Session[authsession.User]) error {
			signOuts.Add(1)
			return nil
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close(context.Background()) })
	rp, err := oidc.New(auth, oidc.Config[authsession.User]{
		Providers: []oidc.Provider{{
			Name: "op", Issuer: rw.issuer, ClientID: "web", ClientSecret: "secret", RedirectURL: realRedirect,
		}},
		Store: store, KeepTokensInStore: stored, Logger: quiet,
		HTTPClient: &http.Client{Transport: rw.grants, Timeout: 10 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{origin: fmt.Sprintf("https://app%d.test", i), auth: auth, rp: rp, signOuts: signOuts}
	mux := http.NewServeMux()
	mux.Handle("/auth/", rp)
	mux.HandleFunc("/me", a.me)
	mux.HandleFunc("/api/token", a.token)
	rw.hosts[strings.TrimPrefix(a.origin, "https://")] = auth.Middleware(mux)
	return a
}

// browser is a client with a cookie jar that follows no redirects.
func (rw *realWorld) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: rw.t, jar: jar, client: &http.Client{
		Transport: rw.transport(), Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var loginID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// realSignIn signs b in at a through the provider's login form.
func realSignIn(t *testing.T, b *browser, a *app) {
	t.Helper()
	res, body, at := b.follow(a.origin + "/auth/signin/op?callbackUrl=/welcome")
	m := loginID.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("expected the provider's login form at %s, got %d %s", at, res.StatusCode, body)
	}
	form, _ := url.Parse(at)
	form, _ = form.Parse("/login/username")
	res, body = b.do(http.MethodPost, form.String(), url.Values{"username": {realUser}, "password": {realPassword}, "id": {m[1]}}, nil)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("login form: %d %s", res.StatusCode, body)
	}
	next, _ := res.Request.URL.Parse(res.Header.Get("Location"))
	if _, _, landed := b.follow(next.String()); landed != a.origin+"/welcome" {
		t.Fatalf("landed on %s, want %s/welcome", landed, a.origin)
	}
}

// userinfo asks the provider who the access token belongs to.
func (rw *realWorld) userinfo(token string) (int, map[string]any) {
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(rw.issuer, "/")+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		rw.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// spend tries refresh token rt at the provider directly.
func (rw *realWorld) spend(rt string) int {
	req, _ := http.NewRequest(http.MethodPost, strings.TrimSuffix(rw.issuer, "/")+"/oauth/token",
		strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("web", "secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		rw.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestRealProviderFlow: sign in on the provider's page, land signed in
// with the provider's name and email, refresh (the provider rotates the
// refresh token: the old one is spent), and sign out through the provider.
func TestRealProviderFlow(t *testing.T) {
	rw := newRealWorld(t)
	a := rw.realApp(0, memAuthStore(), nil, false, new(atomic.Int64))
	b := rw.browser()
	realSignIn(t, b, a)
	_, body := b.get(a.origin + "/me")
	var u authsession.User
	json.Unmarshal([]byte(body), &u)
	if u.Email != "test-user@zitadel.ch" || u.Name != "Test User" || u.ID != "op:id1" {
		t.Errorf("user %+v, want op:id1 with the provider's email and name", u)
	}
	before, _ := a.auth.DecryptSession(b.cookie(a.origin, "session").Value)
	if _, tok := b.tokenOf(a); tok["accessToken"] != before.AccessToken || rw.grants.refreshs.Load() != 0 {
		t.Errorf("a fresh token was refreshed")
	}
	rw.intoMargin()
	status, tok := b.tokenOf(a)
	if status != 200 || rw.grants.refreshs.Load() != 1 {
		t.Fatalf("token: %d %v after %d refresh grants, want one", status, tok, rw.grants.refreshs.Load())
	}
	if code, who := rw.userinfo(tok["accessToken"].(string)); code != 200 || who["sub"] != "id1" {
		t.Errorf("userinfo with the refreshed token: %d %v", code, who)
	}
	if code := rw.spend(before.RefreshToken); code != http.StatusBadRequest {
		t.Errorf("the refresh token from before the refresh: HTTP %d, want 400 (rotated)", code)
	}
	after, _ := a.auth.DecryptSession(b.cookie(a.origin, "session").Value)
	if after.RefreshToken == before.RefreshToken || after.AccessToken != tok["accessToken"] {
		t.Error("the session does not carry the rotated tokens")
	}
	// Sign out, at the provider too.
	res, _ := b.do(http.MethodPost, a.origin+"/auth/signout", url.Values{}, nil)
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc.Path, "/end_session") || loc.Query().Get("id_token_hint") == "" {
		t.Fatalf("sign-out: %d to %s, want the provider's end_session with a hint", res.StatusCode, loc)
	}
	if res, body, _ := b.follow(loc.String()); res.StatusCode != 200 || !strings.Contains(body, "signed out successfully") {
		t.Errorf("the provider's end_session: %d %s", res.StatusCode, body)
	}
	if b.signedIn(a) {
		t.Error("still signed in")
	}
	if code := rw.spend(after.RefreshToken); code != http.StatusBadRequest {
		t.Errorf("the refresh token after the provider's sign-out: HTTP %d, want 400", code)
	}
}

// TestRealProviderRace: 50 concurrent requests of one session over two
// instances on one Redis, the access token inside the refresh margin: one
// refresh grant reaches the provider (whose rotation would fail a second),
// every request is served with the new token, and nobody is signed out.
func TestRealProviderRace(t *testing.T) {
	for _, stored := range []bool{false, true} {
		t.Run(fmt.Sprint("KeepTokensInStore=", stored), func(t *testing.T) {
			rw := newRealWorld(t)
			rdb := redisConnect(t, "single")
			prefix := redisPrefix()
			authStore := redisstore.New(rdb, redisstore.Options{Prefix: prefix})
			store := redisstore.NewOIDCStore(rdb, redisstore.OIDCOptions{Prefix: prefix + "oidc:"})
			signOuts := new(atomic.Int64)
			apps := []*app{
				rw.realApp(0, authStore, store, stored, signOuts),
				rw.realApp(1, authStore, store, stored, signOuts),
			}
			b := rw.browser()
			realSignIn(t, b, apps[0])
			cookies := b.sessionCookies(apps[0])
			rw.intoMargin()
			answers := realBurst(t, rw, apps, cookies, 50)
			want := answers[0].body["accessToken"]
			for i, a := range answers {
				if a.status != 200 || a.body["accessToken"] != want {
					t.Errorf("request %d (instance %d): %d %v, want 200 and the one refreshed token", i, i%2, a.status, a.body)
				}
			}
			if n := rw.grants.refreshs.Load(); n != 1 {
				t.Errorf("%d refresh grants reached the provider, want 1", n)
			}
			if code, _ := rw.userinfo(fmt.Sprint(want)); code != 200 {
				t.Errorf("the refreshed token at userinfo: HTTP %d", code)
			}
			if signOuts.Load() != 0 {
				t.Errorf("%d sign-outs", signOuts.Load())
			}
			for _, a := range apps {
				if res, _ := rawGet(t, rw.transport(), a.origin+"/me", cookies); res.StatusCode != 200 {
					t.Errorf("%s: signed out", a.origin)
				}
			}
		})
	}
}

// realBurst fires n token requests at once, the i-th to apps[i%len(apps)],
// each carrying cookies.
func realBurst(t *testing.T, rw *realWorld, apps []*app, cookies []*http.Cookie, n int) []tokenAnswer {
	answers := make([]tokenAnswer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			res, body := rawGet(t, rw.transport(), apps[i%len(apps)].origin+"/api/token", cookies)
			if res != nil {
				answers[i].status = res.StatusCode
				json.Unmarshal([]byte(body), &answers[i].body)
			}
		})
	}
	close(start)
	wg.Wait()
	return answers
}
