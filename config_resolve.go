package authsession

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/authsession/authsession/internal/cookies"
)

// This file resolves a Config: every default applied and every field
// validated in one place, section by section, before anything is built.
// Each error reads "authsession: invalid configuration: <Field>: …" and
// wraps ErrConfig.

// resolved is a Config completed and validated by resolve, with what it
// compiles to: the route table and the session API's origin check.
type resolved[U any] struct {
	cfg   Config[U]
	table routeTable
	csrf  *http.CrossOriginProtection
}

// resolve applies the defaults to c and validates it, one section at a
// time, and compiles what the sections check. It is NextAuthSession's
// first step.
func (c Config[U]) resolve() (resolved[U], error) {
	r := resolved[U]{cfg: c}
	for _, section := range [...]func(*resolved[U]) error{
		(*resolved[U]).secrets,
		(*resolved[U]).runtime, // the Logger first: lifetimes may warn
		(*resolved[U]).lifetimes,
		(*resolved[U]).cookie,
		(*resolved[U]).paths,
		(*resolved[U]).routes,
		(*resolved[U]).api,
		(*resolved[U]).store,
	} {
		if err := section(&r); err != nil {
			return resolved[U]{}, err
		}
	}
	return r, nil
}

// configError is a configuration error naming field.
func configError(field string, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrConfig, field, fmt.Sprintf(format, args...))
}

// secrets: Secret (default $SESSION_SECRET) and PreviousSecrets, each at
// least minSecretBytes long.
func (r *resolved[U]) secrets() error {
	c := &r.cfg
	if c.Secret == "" {
		c.Secret = Secret(os.Getenv(secretEnv))
	}
	if c.Secret == "" {
		return configError("Secret", "missing: set Config.Secret or $%s to at least %d random bytes (generate one with `openssl rand -base64 32`)", secretEnv, minSecretBytes)
	}
	if len(c.Secret) < minSecretBytes {
		return configError("Secret", "too short (%d bytes, need at least %d): generate one with `openssl rand -base64 32`", len(c.Secret), minSecretBytes)
	}
	for i, s := range c.PreviousSecrets {
		if len(s) < minSecretBytes {
			return configError(fmt.Sprintf("PreviousSecrets[%d]", i), "too short (%d bytes, need at least %d)", len(s), minSecretBytes)
		}
	}
	return nil
}

// lifetimes: Expiry, RefreshThreshold (below Expiry: a threshold at or
// above it is clamped to Expiry/2, with a warning), MaxLifetime (not below
// Expiry) and Leeway.
func (r *resolved[U]) lifetimes() error {
	c := &r.cfg
	if c.Expiry == 0 {
		c.Expiry = defaultExpiry
	}
	if c.Expiry < time.Second {
		return configError("Expiry", "must be at least 1s, got %v", c.Expiry)
	}
	if c.RefreshThreshold == 0 {
		c.RefreshThreshold = min(defaultRefreshThreshold, c.Expiry/2)
	}
	if c.RefreshThreshold < 0 {
		return configError("RefreshThreshold", "must be positive and below Expiry (%v), got %v", c.Expiry, c.RefreshThreshold)
	}
	if c.RefreshThreshold >= c.Expiry {
		// next-auth-session's quick start (a one-day sessionExpiry with
		// the default one-day threshold) starts and slides.
		c.Logger.Warn("authsession: Config.RefreshThreshold is not below Expiry, so no session could be refreshed before it expires: using Expiry/2",
			"refreshThreshold", c.RefreshThreshold.String(), "expiry", c.Expiry.String(), "using", (c.Expiry / 2).String())
		c.RefreshThreshold = c.Expiry / 2
	}
	if c.MaxLifetime == 0 {
		if c.Expiry > defaultMaxLifetime {
			return configError("Expiry", "%v is above the default MaxLifetime (%v), which would cut every session short: set MaxLifetime too (at least Expiry)", c.Expiry, defaultMaxLifetime)
		}
		c.MaxLifetime = defaultMaxLifetime
	}
	if c.MaxLifetime < c.Expiry {
		return configError("MaxLifetime", "must not be below Expiry (%v), got %v", c.Expiry, c.MaxLifetime)
	}
	if c.Leeway == 0 {
		c.Leeway = c.Format.defaultLeeway()
	} else if c.Leeway < 0 {
		c.Leeway = 0
	}
	return nil
}

// cookie: MaxCookieBytes, Format, the cookie's name (the format's default)
// and attributes, AcceptBothNames, and a size limit the chunked cookie can
// carry.
func (r *resolved[U]) cookie() error {
	c := &r.cfg
	if c.MaxCookieBytes == 0 {
		c.MaxCookieBytes = defaultMaxCookieBytes
	}
	if c.MaxCookieBytes < 1024 {
		return configError("MaxCookieBytes", "must be at least 1024, got %d", c.MaxCookieBytes)
	}
	if c.Format == "" {
		c.Format = FormatDefault
	}
	if !c.Format.valid() {
		return configError("Format", "unknown token format %q (want %q, %q or %q)", c.Format, FormatDefault, FormatAuthJS, FormatNextAuthV4)
	}
	if c.Cookie.Name == "" {
		c.Cookie.Name = c.Format.defaultCookieName(c.Cookie.Insecure)
	}
	if err := c.Cookie.resolve(); err != nil {
		return err
	}
	name := c.Cookie.Name
	if c.Cookie.AcceptBothNames {
		if strings.HasPrefix(name, hostPrefix) {
			return configError("Cookie.AcceptBothNames", "a %q cookie has no other name: AcceptBothNames pairs \"__Secure-<name>\" with \"<name>\"", hostPrefix)
		}
		if other := otherName(name); len(other) > len(name) {
			name = other // the longer name has the smaller chunks
		}
	}
	size := cookies.Attrs{ChunkSize: c.Format.spec().chunkSize}.SplitSize(name)
	if limit := cookies.MaxChunks * size; c.MaxCookieBytes > limit {
		return configError("MaxCookieBytes", "must be at most %d (%d cookie chunks: what browsers keep of one site's cookies, with room for others), got %d; larger sessions belong in server storage (Config.Storage)", limit, cookies.MaxChunks, c.MaxCookieBytes)
	}
	return nil
}

// runtime: Logger, Now and CacheBytes, which have no invalid values, and
// NewSessionID, which must return valid, distinct ids.
func (r *resolved[U]) runtime() error {
	c := &r.cfg
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CacheBytes == 0 {
		c.CacheBytes = defaultCacheBytes
	}
	if c.NewSessionID != nil {
		return checkIDGenerator(c.NewSessionID)
	}
	return nil
}

// paths: LoginPath, HomePath and APIPath (local paths) and Locales.
func (r *resolved[U]) paths() error {
	c := &r.cfg
	var err error
	if c.LoginPath, err = localPathField("LoginPath", c.LoginPath, defaultLoginPath); err != nil {
		return err
	}
	if c.HomePath, err = localPathField("HomePath", c.HomePath, defaultHomePath); err != nil {
		return err
	}
	if c.APIPath, err = localPathField("APIPath", c.APIPath, defaultAPIPath); err != nil {
		return err
	}
	c.APIPath = strings.TrimSuffix(c.APIPath, "/")
	if c.APIPath == "" {
		return configError("APIPath", "must not be the root path")
	}
	for i, l := range c.Locales {
		if l == "" || strings.ContainsAny(l, "/?#%\\ ") {
			return configError(fmt.Sprintf("Locales[%d]", i), "invalid locale %q", l)
		}
	}
	return nil
}

// routes: DefaultRouteType, the rules (compiled once: patterns, types,
// conflicts, AuthWhere checks of this user type), and login and home
// paths that the rules do not turn into redirect loops.
func (r *resolved[U]) routes() error {
	c := &r.cfg
	if c.DefaultRouteType == "" {
		c.DefaultRouteType = RouteHybrid
	}
	if !c.DefaultRouteType.valid() {
		return configError("DefaultRouteType", "unknown route type %q (want %q, %q or %q)", c.DefaultRouteType, RoutePublic, RouteAuth, RouteHybrid)
	}
	rt, err := compileRules(c.Routes)
	if err != nil {
		return err
	}
	for i, rule := range c.Routes {
		if err := checkRequirement[U](i, rule); err != nil {
			return err
		}
	}
	if err := checkLocaleRules(c.Routes, c.Locales); err != nil {
		return err
	}
	r.table = routeTable{rt: rt, def: c.DefaultRouteType, locales: c.Locales, api: c.APIPath}
	return r.redirectTargets()
}

// redirectTargets: LoginPath and HomePath, as the guard redirects to them
// (alone and under each locale), must not redirect again: a login path
// judged Auth, or a home path judged Public, is a loop.
func (r *resolved[U]) redirectTargets() error {
	c := &r.cfg
	for _, t := range [...]struct {
		field, path string
		bad         RouteType
		why         string
	}{
		{"LoginPath", c.LoginPath, RouteAuth, "visitors without a session could never reach it; add authsession.Public(%[3]q)"},
		{"HomePath", c.HomePath, RoutePublic, "signed-in visitors would be sent away from it in a loop"},
	} {
		p, _, _ := strings.Cut(t.path, "?")
		if seg, _ := firstSegment(p); slices.Contains(c.Locales, seg) {
			return configError(t.field, "%q starts with the configured locale %q: the guard puts the visitor's locale in front of it itself (/<locale>%s), so write it without one", t.path, seg, strings.TrimPrefix(p, "/"+seg))
		}
		for _, l := range append([]string{""}, c.Locales...) {
			if v := r.table.classify(localize(l, p), ""); v.act != actionNext || v.rule.Type == t.bad {
				return configError(t.field, "%q is judged %s by the route rules: "+t.why, localize(l, t.path), v.rule.Type, p)
			}
		}
	}
	return nil
}

// api: the session API's UpdatableFields (default "name" and "image" for
// a user type that encodes to a JSON object, none for others; never "id";
// a list needs such a type) and TrustedOrigins (compiled into its origin
// check).
func (r *resolved[U]) api() error {
	c := &r.cfg
	if c.UpdatableFields == nil {
		c.UpdatableFields = []string{}
		if encodesToObject[U]() {
			c.UpdatableFields = []string{"name", "image"}
		}
	}
	for i, f := range c.UpdatableFields {
		if f == "" || f == "id" {
			return configError(fmt.Sprintf("UpdatableFields[%d]", i), "%q may not be updatable", f)
		}
	}
	if len(c.UpdatableFields) > 0 && !encodesToObject[U]() {
		var zero U
		return configError("UpdatableFields", "the user type %T does not encode to a JSON object, so it has no fields to update", zero)
	}
	r.csrf = http.NewCrossOriginProtection()
	for i, o := range c.TrustedOrigins {
		if err := r.csrf.AddTrustedOrigin(o); err != nil {
			return configError(fmt.Sprintf("TrustedOrigins[%d]", i), "%v", err)
		}
	}
	return nil
}

// store: a user type with a UserID method and the default format when
// Store is set, TouchAfter, StoreTimeout and GenerationGrace.
func (r *resolved[U]) store() error {
	c := &r.cfg
	switch c.Storage {
	case StorageCookie:
	case StorageServer:
		if c.Store == nil {
			return configError("Storage", "StorageServer keeps sessions in Config.Store: set one (memstore.New for one instance, redisstore.New for several)")
		}
		if c.StoreFailOpen {
			return configError("StoreFailOpen", "has no meaning with StorageServer: the session is in the store, so no store means no session")
		}
	default:
		return configError("Storage", "unknown storage %d", int(c.Storage))
	}
	if c.MaxDataBytes == 0 {
		c.MaxDataBytes = defaultMaxDataBytes
	}
	if c.MaxDataBytes < 1024 {
		return configError("MaxDataBytes", "must be at least 1024, got %d", c.MaxDataBytes)
	}
	if c.Store != nil && c.Format != FormatDefault {
		return configError("Store", "not supported with Format %s: the Next.js app re-encodes its session cookie with a fresh jti (the session id a store keys on) on every session read and update, so every cookie it issues would be an unknown session here; end sessions through the Next.js app, or use FormatDefault", c.Format)
	}
	if c.Store != nil {
		var zero U
		if _, ok := any(zero).(UserIDer); !ok {
			return configError("Store", "the user type %T must implement UserIDer to be used with a store", zero)
		}
	}
	if c.TouchAfter == 0 {
		c.TouchAfter = defaultTouchAfter
	}
	if c.TouchAfter < 0 {
		c.TouchAfter = -1 // never touch
	}
	if c.StoreTimeout == 0 {
		c.StoreTimeout = defaultStoreTimeout
	}
	if c.StoreTimeout < 0 {
		return configError("StoreTimeout", "must not be negative, got %v", c.StoreTimeout)
	}
	if c.GenerationGrace == 0 {
		c.GenerationGrace = defaultGenerationGrace // a negative one stays: none
	}
	return nil
}

func localPathField(field, p, def string) (string, error) {
	if p == "" {
		return def, nil
	}
	if !IsLocalPath(p) {
		return "", configError(field, "must be a local path starting with a single \"/\", got %q", p)
	}
	return p, nil
}

func (c *CookieConfig) resolve() error {
	if c.Name == "" {
		c.Name = defaultCookieName
	}
	if !validCookieName(c.Name) {
		return configError("Cookie.Name", "%q is not a valid cookie name", c.Name)
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if c.Path[0] != '/' || strings.ContainsAny(c.Path, ";\x00\r\n") {
		return configError("Cookie.Path", "must start with \"/\" and contain no \";\", got %q", c.Path)
	}
	if strings.ContainsAny(c.Domain, "; /\x00\r\n") {
		return configError("Cookie.Domain", "invalid domain %q", c.Domain)
	}
	switch c.SameSite {
	case 0, http.SameSiteDefaultMode:
		c.SameSite = http.SameSiteLaxMode
	case http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if c.Insecure {
			return configError("Cookie.SameSite", "SameSite=None requires a Secure cookie (Insecure is set)")
		}
	default:
		return configError("Cookie.SameSite", "unknown SameSite value %d", int(c.SameSite))
	}
	if strings.HasPrefix(c.Name, "__Host-") {
		if c.Insecure || c.Path != "/" || c.Domain != "" {
			return configError("Cookie.Name", "a %q cookie must be Secure, have Path \"/\" and no Domain", "__Host-")
		}
	}
	if strings.HasPrefix(c.Name, "__Secure-") && c.Insecure {
		return configError("Cookie.Name", "a %q cookie must be Secure", "__Secure-")
	}
	return nil
}

// validCookieName reports whether name is an RFC 6265 token that leaves room
// for the ".N" chunk suffix.
func validCookieName(name string) bool {
	if len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}
