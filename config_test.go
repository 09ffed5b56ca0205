package authsession_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/memstore"
)

func TestConfigErrors(t *testing.T) {
	t.Setenv(authsession.SecretEnv, "")
	tests := []struct {
		name  string
		cfg   authsession.Config[authsession.User]
		field string // must appear in the message
		also  string // and this too, if set
	}{
		{"missing secret", authsession.Config[authsession.User]{}, "Secret", "openssl rand -base64 32"},
		{"short secret", authsession.Config[authsession.User]{Secret: "too-short"}, "Secret", "openssl rand -base64 32"},
		{"short previous secret", authsession.Config[authsession.User]{Secret: testSecret, PreviousSecrets: []authsession.Secret{"x"}}, "PreviousSecrets[0]", ""},
		{"negative threshold", authsession.Config[authsession.User]{Secret: testSecret, RefreshThreshold: -time.Second}, "RefreshThreshold", ""},
		{"tiny expiry", authsession.Config[authsession.User]{Secret: testSecret, Expiry: time.Millisecond}, "Expiry", ""},
		{"max lifetime below expiry", authsession.Config[authsession.User]{Secret: testSecret, Expiry: 48 * time.Hour, MaxLifetime: time.Hour}, "MaxLifetime", ""},
		{"expiry above the default max lifetime", authsession.Config[authsession.User]{Secret: testSecret, Expiry: 60 * 24 * time.Hour}, "Expiry", "set MaxLifetime"},
		{"duplicate rule", authsession.Config[authsession.User]{Secret: testSecret, Routes: []authsession.Rule{authsession.Public("/login"), authsession.Auth("/x"), authsession.Auth("/x/")}}, `authsession: invalid configuration: Routes[2] "/x/": duplicate of Routes[1] "/x"`, ""},
		{"conflicting rules", authsession.Config[authsession.User]{Secret: testSecret, Routes: []authsession.Rule{authsession.Auth("/x"), authsession.Public("/x")}}, `authsession: invalid configuration: Routes[1] "/x": conflicts with Routes[0] "/x": the same paths cannot be both auth and public`, ""},
		{"cookie name with space", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Name: "my session"}}, "Cookie.Name", ""},
		{"cookie name with semicolon", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Name: "a;b"}}, "Cookie.Name", ""},
		{"cookie name with equals", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Name: "a=b"}}, "Cookie.Name", ""},
		{"unknown SameSite", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{SameSite: http.SameSite(42)}}, "Cookie.SameSite", ""},
		{"SameSite None without Secure", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{SameSite: http.SameSiteNoneMode, Insecure: true}}, "Cookie.SameSite", "Secure"},
		{"__Host- with Domain", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Name: "__Host-session", Domain: "example.com"}}, "Cookie.Name", "__Host-"},
		{"__Host- with Path", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Name: "__Host-session", Path: "/app"}}, "Cookie.Name", "__Host-"},
		{"__Host- insecure", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Name: "__Host-session", Insecure: true}}, "Cookie.Name", "__Host-"},
		{"__Secure- insecure", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Name: "__Secure-session", Insecure: true}}, "Cookie.Name", "__Secure-"},
		{"cookie path relative", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Path: "app"}}, "Cookie.Path", ""},
		{"cookie domain with semicolon", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Domain: "a.com; x=y"}}, "Cookie.Domain", ""},
		{"tiny cookie limit", authsession.Config[authsession.User]{Secret: testSecret, MaxCookieBytes: 10}, "MaxCookieBytes", ""},
		{"login path off-site", authsession.Config[authsession.User]{Secret: testSecret, LoginPath: "//evil.com"}, "LoginPath", ""},
		{"home path absolute URL", authsession.Config[authsession.User]{Secret: testSecret, HomePath: "https://evil.com/"}, "HomePath", ""},
		{"bad locale", authsession.Config[authsession.User]{Secret: testSecret, Locales: []string{"en", "a/b"}}, "Locales[1]", ""},
		{"id updatable", authsession.Config[authsession.User]{Secret: testSecret, UpdatableFields: []string{"name", "id"}}, "UpdatableFields[1]", ""},
		{"unknown default route type", authsession.Config[authsession.User]{Secret: testSecret, DefaultRouteType: authsession.RouteType("private")}, "DefaultRouteType", ""},
		{"server storage without a store", authsession.Config[authsession.User]{Secret: testSecret, Storage: authsession.StorageServer}, "Storage", ""},
		{"unknown storage", authsession.Config[authsession.User]{Secret: testSecret, Storage: authsession.Storage(7)}, "Storage", ""},
		{"server storage failing open", authsession.Config[authsession.User]{Secret: testSecret, Storage: authsession.StorageServer, Store: memstore.New(memstore.Options{}), StoreFailOpen: true}, "StoreFailOpen", ""},
		{"tiny MaxDataBytes", authsession.Config[authsession.User]{Secret: testSecret, MaxDataBytes: 100}, "MaxDataBytes", ""},
		{"store with the Auth.js format", authsession.Config[authsession.User]{Secret: testSecret, Format: authsession.FormatAuthJS, Store: memstore.New(memstore.Options{})}, "Store", "fresh jti"},
		{"store with the NextAuth.js v4 format", authsession.Config[authsession.User]{Secret: testSecret, Format: authsession.FormatNextAuthV4, Store: memstore.New(memstore.Options{})}, "Store", "fresh jti"},
		{"both names of a __Host- cookie", authsession.Config[authsession.User]{Secret: testSecret, Cookie: authsession.CookieConfig{Name: "__Host-session", AcceptBothNames: true}}, "Cookie.AcceptBothNames", "__Host-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := authsession.NextAuthSession(tt.cfg)
			if err == nil {
				t.Fatalf("got nil error and %v, want an error naming %s", a != nil, tt.field)
			}
			if !errors.Is(err, authsession.ErrConfig) {
				t.Errorf("got %v, want an error wrapping ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("got %q, want it to name %q", err, tt.field)
			}
			if tt.also != "" && !strings.Contains(err.Error(), tt.also) {
				t.Errorf("got %q, want it to mention %q", err, tt.also)
			}
			if tt.cfg.Secret != "" && strings.Contains(err.Error(), string(tt.cfg.Secret)) {
				t.Errorf("error %q leaks the secret", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Setenv(authsession.SecretEnv, testSecret)
	a := buildAuth(t, authsession.Config[authsession.User]{})
	c := a.Config
	checks := []struct {
		name      string
		got, want any
	}{
		{"Secret", string(c.Secret), testSecret},
		{"Expiry", c.Expiry, 7 * 24 * time.Hour},
		{"RefreshThreshold", c.RefreshThreshold, 24 * time.Hour},
		{"MaxLifetime", c.MaxLifetime, 30 * 24 * time.Hour},
		{"Cookie.Name", c.Cookie.Name, "session"},
		{"Cookie.Path", c.Cookie.Path, "/"},
		{"Cookie.SameSite", c.Cookie.SameSite, http.SameSiteLaxMode},
		{"Cookie.Insecure", c.Cookie.Insecure, false},
		{"DisableAutoRefresh", c.DisableAutoRefresh, false},
		{"DefaultRouteType", c.DefaultRouteType, authsession.RouteHybrid},
		{"LoginPath", c.LoginPath, "/login"},
		{"HomePath", c.HomePath, "/"},
		{"APIPath", c.APIPath, "/api/session"},
		{"ClientConfig.RefreshThreshold", a.ClientConfig.RefreshThreshold, int64(86400)},
		{"ClientConfig.SessionExpiry", a.ClientConfig.SessionExpiry, int64(604800)},
		{"UpdatableFields", strings.Join(c.UpdatableFields, ","), "name,image"},
		{"ExposeData", c.ExposeData, false},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

// TestConfigRefreshThresholdDerived: unset, RefreshThreshold is
// min(1 day, Expiry/2), as docs/configuration.md says.
func TestConfigRefreshThresholdDerived(t *testing.T) {
	for _, tt := range []struct{ expiry, want time.Duration }{
		{0, 24 * time.Hour}, // Expiry's default, 7 days
		{30 * 24 * time.Hour, 24 * time.Hour},
		{48 * time.Hour, 24 * time.Hour},
		{24 * time.Hour, 12 * time.Hour},
		{30 * time.Minute, 15 * time.Minute},
		{time.Second, 500 * time.Millisecond},
	} {
		a := buildAuth(t, authsession.Config[authsession.User]{Secret: testSecret, Expiry: tt.expiry})
		if got := a.Config.RefreshThreshold; got != tt.want {
			t.Errorf("Expiry %v: got RefreshThreshold %v, want %v", tt.expiry, got, tt.want)
		}
	}
}

// TestConfigRefreshThresholdClamped: next-auth-session's quick-start
// settings (sessionExpiry one day with its default one-day threshold)
// start: a threshold at or above Expiry is clamped to Expiry/2 with one
// warning, and sessions slide as they do there.
func TestConfigRefreshThresholdClamped(t *testing.T) {
	for _, tt := range []struct {
		name              string
		expiry, threshold time.Duration
		want              time.Duration
		warnings          int
	}{
		{"next-auth-session quick start", 24 * time.Hour, 24 * time.Hour, 12 * time.Hour, 1},
		{"threshold above expiry", time.Hour, 2 * time.Hour, 30 * time.Minute, 1},
		{"threshold below expiry", time.Hour, 50 * time.Minute, 50 * time.Minute, 0},
		{"unset", 24 * time.Hour, 0, 12 * time.Hour, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs := &testenv.Buffer{}
			clk := newClock()
			a := buildAuth(t, authsession.Config[authsession.User]{
				Secret: testSecret, Expiry: tt.expiry, RefreshThreshold: tt.threshold,
				Logger: debugLogger(logs), Now: clk.Now, Cookie: authsession.CookieConfig{Insecure: true},
			})
			if got := a.Config.RefreshThreshold; got != tt.want {
				t.Errorf("RefreshThreshold: got %v, want %v", got, tt.want)
			}
			if got := a.ClientConfig.RefreshThreshold; got != int64(tt.want/time.Second) {
				t.Errorf("ClientConfig.RefreshThreshold: got %d, want %d", got, int64(tt.want/time.Second))
			}
			if got := strings.Count(logs.String(), "level=WARN"); got != tt.warnings {
				t.Errorf("warnings: got %d, want %d:\n%s", got, tt.warnings, logs)
			}
			if tt.warnings > 0 && !strings.Contains(logs.String(), "RefreshThreshold") {
				t.Errorf("warning %q does not name RefreshThreshold", logs)
			}

			// The session slides: used past the threshold, it is re-issued
			// and outlives its first expiry.
			_, cookies := signIn(t, a, testUser)
			clk.Add(tt.want + time.Minute)
			w := httptest.NewRecorder()
			a.Middleware(http.NotFoundHandler()).ServeHTTP(w, requestWith(cookies))
			if len(w.Result().Cookies()) == 0 {
				t.Fatal("auto refresh past the threshold: no cookie")
			}
			clk.Add(tt.expiry - tt.want)
			if _, ok := a.GetSession(requestWith(w.Result().Cookies())); !ok {
				t.Error("the refreshed session ended at the first expiry, want it extended")
			}
		})
	}
}

// TestConfigExpiryAndMaxLifetime: Expiry never silently raises or
// exceeds MaxLifetime (TestConfigErrors has the refusals).
func TestConfigExpiryAndMaxLifetime(t *testing.T) {
	for _, tt := range []struct {
		expiry, maxLifetime, wantMax time.Duration
	}{
		{30 * 24 * time.Hour, 0, 30 * 24 * time.Hour},
		{time.Hour, 0, 30 * 24 * time.Hour},
		{60 * 24 * time.Hour, 60 * 24 * time.Hour, 60 * 24 * time.Hour},
		{60 * 24 * time.Hour, 90 * 24 * time.Hour, 90 * 24 * time.Hour},
	} {
		a, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, Expiry: tt.expiry, MaxLifetime: tt.maxLifetime})
		if err != nil {
			t.Errorf("Expiry %v, MaxLifetime %v: %v", tt.expiry, tt.maxLifetime, err)
			continue
		}
		if a.Config.MaxLifetime != tt.wantMax {
			t.Errorf("Expiry %v, MaxLifetime %v: got MaxLifetime %v, want %v", tt.expiry, tt.maxLifetime, a.Config.MaxLifetime, tt.wantMax)
		}
	}
}

func TestSecretIsRedacted(t *testing.T) {
	a := newAuth(t, newClock(), nil)
	for _, s := range []string{
		a.Config.Secret.String(),
		strings.Join([]string{fmtV(a.Config), fmtPlusV(a.Config), fmtSharpV(a.Config)}, " "),
	} {
		if strings.Contains(s, testSecret) {
			t.Errorf("secret leaked in %q", s)
		}
	}
}

// notAnObject is a user type that encodes to a JSON string: it has no
// fields to update and no user id for a store.
type notAnObject string

// TestConfigErrorsNameTheField: every configuration check, whichever part
// of the library it guards (cookie, routes, session API, store), runs in
// NextAuthSession and reads "authsession: invalid configuration: <Field>: ".
func TestConfigErrorsNameTheField(t *testing.T) {
	const prefix = "authsession: invalid configuration: "
	user := func(edit func(*authsession.Config[authsession.User])) func() error {
		return func() error {
			cfg := authsession.Config[authsession.User]{Secret: testSecret}
			edit(&cfg)
			_, err := authsession.NextAuthSession(cfg)
			return err
		}
	}
	other := func(edit func(*authsession.Config[notAnObject])) func() error {
		return func() error {
			cfg := authsession.Config[notAnObject]{Secret: testSecret}
			edit(&cfg)
			_, err := authsession.NextAuthSession(cfg)
			return err
		}
	}
	tests := []struct {
		name  string
		build func() error
		field string
	}{
		{"secret", user(func(c *authsession.Config[authsession.User]) { c.Secret = "short" }), "Secret"},
		{"previous secret", user(func(c *authsession.Config[authsession.User]) {
			c.PreviousSecrets = []authsession.Secret{testSecret, "x"}
		}), "PreviousSecrets[1]"},
		{"lifetime", user(func(c *authsession.Config[authsession.User]) { c.MaxLifetime = time.Second }), "MaxLifetime"},
		{"format", user(func(c *authsession.Config[authsession.User]) { c.Format = authsession.TokenFormat("jose") }), "Format"},
		{"cookie", user(func(c *authsession.Config[authsession.User]) { c.Cookie.Path = "x" }), "Cookie.Path"},
		{"cookie size", user(func(c *authsession.Config[authsession.User]) { c.MaxCookieBytes = 1 << 20 }), "MaxCookieBytes"},
		{"API path", user(func(c *authsession.Config[authsession.User]) { c.APIPath = "/" }), "APIPath"},
		{"rule", user(func(c *authsession.Config[authsession.User]) {
			c.Routes = []authsession.Rule{authsession.Public("/login"), authsession.Auth("x")}
		}), `Routes[1] "x"`},
		{"AuthWhere of another user type", user(func(c *authsession.Config[authsession.User]) {
			c.Routes = []authsession.Rule{authsession.AuthWhere("/admin/*", func(authsession.Session[notAnObject]) bool { return true })}
		}), `Routes[0] "/admin/*"`},
		{"login path behind the rules", user(func(c *authsession.Config[authsession.User]) { c.DefaultRouteType = authsession.RouteAuth }), "LoginPath"},
		{"home path behind the rules", user(func(c *authsession.Config[authsession.User]) { c.Routes = []authsession.Rule{authsession.Public("/")} }), "HomePath"},
		{"trusted origin", user(func(c *authsession.Config[authsession.User]) {
			c.TrustedOrigins = []string{"https://ok.example", "not an origin"}
		}), "TrustedOrigins[1]"},
		{"updatable fields of a non-object user", other(func(c *authsession.Config[notAnObject]) { c.UpdatableFields = []string{"name"} }), "UpdatableFields"},
		{"store without UserIDer", other(func(c *authsession.Config[notAnObject]) {
			c.Store = memstore.New(memstore.Options{})
		}), "Store"},
		{"store timeout", user(func(c *authsession.Config[authsession.User]) { c.StoreTimeout = -time.Second }), "StoreTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.build()
			if !errors.Is(err, authsession.ErrConfig) {
				t.Fatalf("got %v, want an error wrapping ErrConfig", err)
			}
			if want := prefix + tt.field + ": "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("got %q, want it to start with %q", err, want)
			}
		})
	}
}

// TestMaxCookieBytesFitsChunks: a limit that the chunked cookie
// cannot carry (more than cookies.MaxChunks chunks) is a configuration
// error, not sessions that are written and never read back.
func TestMaxCookieBytesFitsChunks(t *testing.T) {
	_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, MaxCookieBytes: 1 << 20})
	if !errors.Is(err, authsession.ErrConfig) {
		t.Fatalf("MaxCookieBytes 1 MiB: got %v, want ErrConfig", err)
	}
	if _, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, MaxCookieBytes: 64 << 10}); err != nil {
		t.Fatalf("MaxCookieBytes 64 KiB: got %v, want nil", err)
	}
	// Auth.js chunks carry 3936 bytes: 32 of them, 125952.
	for _, tt := range []struct {
		max     int
		wantErr bool
	}{{32 * 3936, false}, {32*3936 + 1, true}} {
		_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, Format: authsession.FormatAuthJS, MaxCookieBytes: tt.max})
		if (err != nil) != tt.wantErr {
			t.Errorf("Auth.js, MaxCookieBytes %d: got %v, want an error: %v", tt.max, err, tt.wantErr)
		}
	}
}
