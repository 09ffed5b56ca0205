package authsession_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json (vectors made by Node.js packages need testdata/node installed)")

const goldenDir = "testdata/golden"

// goldenVector is one file in testdata/golden: a token, the configuration
// that must open it, the clock at which it is valid, and what it holds.
// Vectors are never edited by hand; a vector whose case was removed from
// goldenCases stays and must keep decrypting.
type goldenVector struct {
	Description     string                  `json:"description"`
	Producer        string                  `json:"producer"`
	Format          authsession.TokenFormat `json:"format"`
	Secret          string                  `json:"secret"`
	PreviousSecrets []string                `json:"previousSecrets,omitempty"`
	CookieName      string                  `json:"cookieName"`
	Now             int64                   `json:"now"` // Unix seconds
	Token           string                  `json:"token"`
	KeyIndex        int                     `json:"keyIndex"`
	KeyID           string                  `json:"kid,omitempty"`
	ID              string                  `json:"id"`
	Session         json.RawMessage         `json:"session"`
}

// Secrets of the vectors. Test data only.
const (
	secretA = "golden-secret-A-0123456789abcdefghijklmnop"
	secretB = "golden-secret-B-0123456789abcdefghijklmnop"
	secretC = "golden-secret-C-0123456789abcdefghijklmnop"
)

// goldenT0 is the issue time of the vectors made by this library and by
// jose (the Auth.js and NextAuth.js packages take the real clock).
var goldenT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// goldenCase says how to make one vector.
type goldenCase struct {
	name     string // file name without .json
	desc     string
	producer string // "authsession" or "node"
	format   authsession.TokenFormat
	// encryptWith is the secret the token is made under; secret and
	// previous configure the decoding side; keyIndex is the one expected
	// to open it.
	encryptWith string
	secret      string
	previous    []string
	keyIndex    int
	cookieName  string
	user        authsession.User
	tokens      [2]string // access, refresh
	// data, flash and transient: the session JSON's additions.
	data, flash authsession.Data
	transient   bool
	// age is how long before t0 the session was created (signed in).
	age time.Duration
}

var (
	userAnn = authsession.User{
		ID: "u_1", Email: "ann@example.com", Name: "Ann Lee", Image: "https://example.com/ann.png",
		Extra: map[string]any{"role": "admin", "teams": []any{"a", "b"}},
	}
	userZoe = authsession.User{ID: "u_2", Name: "Zoë Ünïcødé 山田 🍪", Email: "zoe@example.com"}
	userBob = authsession.User{
		ID: "u_42", Email: "bob@example.com", Name: "Bob", Image: "https://example.com/bob.png",
		Extra: map[string]any{"role": "editor"},
	}
)

var goldenCases = []goldenCase{
	{name: "default-authsession", desc: "default format, made by this library", producer: "authsession", format: authsession.FormatDefault,
		encryptWith: secretA, secret: secretA, cookieName: "session", user: userAnn, tokens: [2]string{"at-123", "rt-456"}},
	{name: "default-jose", desc: "default format, made by jose from the README's description", producer: "node", format: authsession.FormatDefault,
		encryptWith: secretA, secret: secretA, cookieName: "session", user: userAnn, tokens: [2]string{"at-123", "rt-456"}},
	{name: "default-jose-host-cookie-unicode", desc: "default format, jose, __Host- cookie name, non-ASCII user", producer: "node", format: authsession.FormatDefault,
		encryptWith: secretB, secret: secretB, cookieName: "__Host-session", user: userZoe},
	{name: "default-rotation-authsession", desc: "default format, this library, token under the previous secret", producer: "authsession", format: authsession.FormatDefault,
		encryptWith: secretA, secret: secretB, previous: []string{secretA}, keyIndex: 1, cookieName: "session", user: userAnn},
	{name: "default-rotation-jose", desc: "default format, jose, token under the second previous secret", producer: "node", format: authsession.FormatDefault,
		encryptWith: secretA, secret: secretC, previous: []string{secretB, secretA}, keyIndex: 2, cookieName: "session", user: userZoe},
	{name: "default-data-authsession", desc: "default format, this library, session data, flash values and a browser-session cookie", producer: "authsession", format: authsession.FormatDefault,
		encryptWith: secretA, secret: secretA, cookieName: "session", user: userBob, data: goldenData, flash: goldenFlash, transient: true},
	{name: "default-data-jose", desc: "default format, jose, session data, flash values and a browser-session cookie", producer: "node", format: authsession.FormatDefault,
		encryptWith: secretA, secret: secretA, cookieName: "session", user: userBob, data: goldenData, flash: goldenFlash, transient: true},
	{name: "authjs-authcore", desc: "Auth.js v5 session cookie made by @auth/core's encode", producer: "node", format: authsession.FormatAuthJS,
		encryptWith: secretA, secret: secretA, cookieName: "authjs.session-token", user: userBob},
	// authjs-authsession.json and nextauth-v4-authsession.json, made before
	// the creation time was carried (authsession_created_at), stay: tokens
	// without it keep their creation time at iat.
	{name: "authjs-authsession-created", desc: "Auth.js v5 session cookie made by this library, signed in two days before it was issued (authsession_created_at)", producer: "authsession", format: authsession.FormatAuthJS,
		encryptWith: secretA, secret: secretA, cookieName: "__Secure-authjs.session-token", user: userBob, tokens: [2]string{"at-9", ""}, age: 48 * time.Hour},
	{name: "authjs-rotation-authcore", desc: "Auth.js v5, @auth/core, token under the previous secret", producer: "node", format: authsession.FormatAuthJS,
		encryptWith: secretA, secret: secretB, previous: []string{secretA}, keyIndex: 1, cookieName: "authjs.session-token", user: userBob},
	{name: "nextauth-v4-nextauth", desc: "NextAuth.js v4 session cookie made by next-auth/jwt's encode", producer: "node", format: authsession.FormatNextAuthV4,
		encryptWith: secretA, secret: secretA, cookieName: "next-auth.session-token", user: userBob},
	{name: "nextauth-v4-authsession-created", desc: "NextAuth.js v4 session cookie made by this library, signed in two days before it was issued (authsession_created_at)", producer: "authsession", format: authsession.FormatNextAuthV4,
		encryptWith: secretA, secret: secretA, cookieName: "next-auth.session-token", user: userBob, age: 48 * time.Hour},
	{name: "nextauth-v4-rotation-authsession", desc: "NextAuth.js v4, this library, token under the previous secret (no kid: every key is tried)", producer: "authsession", format: authsession.FormatNextAuthV4,
		encryptWith: secretB, secret: secretA, previous: []string{secretB}, keyIndex: 1, cookieName: "next-auth.session-token", user: userBob},
}

const goldenSessionID = "Z29sZGVuLXNlc3Npb24taWQ"

// goldenData and goldenFlash are the session data and flash values of the
// "data" vectors: nested values of every JSON type, non-ASCII keys.
var (
	goldenData = authsession.Data{
		"cart":   json.RawMessage(`{"items":["tea","cups"],"total":12.5,"gift":false,"note":null}`),
		"visits": json.RawMessage(`3`),
		"ключ":   json.RawMessage(`"значение"`),
	}
	goldenFlash = authsession.Data{"notice": json.RawMessage(`"Saved."`)}
)

// session is the case's session as issued at t0.
func (c goldenCase) session(t0 time.Time) authsession.Session[authsession.User] {
	return authsession.Session[authsession.User]{
		ID:           goldenSessionID,
		User:         c.user,
		AccessToken:  c.tokens[0],
		RefreshToken: c.tokens[1],
		CreatedAt:    t0.Add(-c.age),
		LastActivity: t0,
		ExpiresAt:    t0.Add(7 * 24 * time.Hour),
		Data:         c.data,
		Flash:        c.flash,
		Transient:    c.transient,
	}
}

// foreignClaims is the JWT payload an Auth.js / NextAuth.js app would
// hold for c's user (without iat, exp, jti, which the package adds).
func (c goldenCase) foreignClaims() map[string]any {
	m := map[string]any{"sub": c.user.ID, "name": c.user.Name, "email": c.user.Email, "picture": c.user.Image}
	for k, v := range c.user.Extra {
		m[k] = v
	}
	if c.tokens[0] != "" {
		m["accessToken"] = c.tokens[0]
	}
	return m
}

func (v *goldenVector) config() authsession.Config[authsession.User] {
	prev := make([]authsession.Secret, len(v.PreviousSecrets))
	for i, s := range v.PreviousSecrets {
		prev[i] = authsession.Secret(s)
	}
	now := time.Unix(v.Now, 0)
	return authsession.Config[authsession.User]{
		Secret:          authsession.Secret(v.Secret),
		PreviousSecrets: prev,
		Cookie:          authsession.CookieConfig{Name: v.CookieName},
		Format:          v.Format,
		Now:             func() time.Time { return now },
	}
}

// nodeFunc runs one command of testdata/node/interop.mjs.
type nodeFunc func(t *testing.T, cmd map[string]any) map[string]json.RawMessage

// makeVector makes a fresh vector for c at t0 (used only by producers that
// take the clock). node may be nil for cases made by this library.
func makeVector(t *testing.T, c goldenCase, t0 time.Time, node nodeFunc) goldenVector {
	t.Helper()
	v := goldenVector{
		Description: c.desc, Format: c.format, Secret: c.secret, PreviousSecrets: c.previous,
		CookieName: c.cookieName, KeyIndex: c.keyIndex, Now: t0.Add(time.Hour).Unix(),
	}
	want := c.session(t0)
	switch {
	case c.producer == "authsession":
		v.Producer = "authsession"
		cfg := authsession.Config[authsession.User]{
			Secret: authsession.Secret(c.encryptWith), Cookie: authsession.CookieConfig{Name: c.cookieName},
			Format: c.format, Now: func() time.Time { return t0 },
		}
		var err error
		if v.Token, err = buildAuth(t, cfg).EncryptSession(want); err != nil {
			t.Fatal(err)
		}
	case c.format == authsession.FormatDefault:
		v.Producer = "jose@" + nodePackageVersion(t, "jose")
		payload := map[string]any{}
		b, _ := json.Marshal(want)
		if err := json.Unmarshal(b, &payload); err != nil {
			t.Fatal(err)
		}
		payload["iat"], payload["exp"], payload["jti"] = t0.Unix(), want.ExpiresAt.Unix(), want.ID
		out := node(t, map[string]any{"op": "encrypt", "format": "default", "secret": c.encryptWith, "cookieName": c.cookieName, "payload": payload})
		v.Token = jsonString(t, out["token"])
	default:
		pkg := map[authsession.TokenFormat]string{authsession.FormatAuthJS: "@auth/core", authsession.FormatNextAuthV4: "next-auth"}[c.format]
		v.Producer = pkg + "@" + nodePackageVersion(t, pkg)
		out := node(t, map[string]any{"op": "encrypt", "format": string(c.format), "secret": c.encryptWith,
			"cookieName": c.cookieName, "payload": c.foreignClaims(), "maxAge": 7 * 24 * 3600})
		v.Token = jsonString(t, out["token"])
		// The package took the real clock: read iat, exp and jti back.
		dec := node(t, map[string]any{"op": "decrypt", "format": string(c.format), "secret": c.encryptWith,
			"cookieName": c.cookieName, "token": v.Token})
		var reg struct {
			IAT, EXP int64
			JTI      string
		}
		if err := json.Unmarshal(dec["payload"], &reg); err != nil {
			t.Fatal(err)
		}
		want.ID = reg.JTI
		want.CreatedAt, want.LastActivity = time.Unix(reg.IAT, 0), time.Unix(reg.IAT, 0)
		want.ExpiresAt = time.Unix(reg.EXP, 0)
		v.Now = reg.IAT + 60
	}
	if c.format != authsession.FormatDefault {
		// Foreign tokens carry times at second precision: the creation
		// time (the iat in those the packages made) and the last issue
		// (iat).
		want.CreatedAt = want.CreatedAt.Truncate(time.Second)
		want.LastActivity = want.LastActivity.Truncate(time.Second)
		want.ExpiresAt = want.ExpiresAt.Truncate(time.Second)
	}
	v.ID = want.ID
	var err error
	if v.Session, err = json.Marshal(want); err != nil {
		t.Fatal(err)
	}
	info, err := inspectToken(v.config(), v.Token)
	if err != nil {
		t.Fatalf("%s: inspect: %v", c.name, err)
	}
	v.KeyID = info.KeyID
	return v
}

func jsonString(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("want a JSON string, got %s", raw)
	}
	return s
}

// checkVector asserts that v opens under its configuration at its clock,
// holds its session, names its key, and fails once expired or under
// another secret or cookie name.
func checkVector(t *testing.T, v goldenVector) {
	t.Helper()
	auth := buildAuth(t, v.config())
	s, err := auth.DecryptSession(v.Token)
	if err != nil {
		t.Fatalf("DecryptSession: got error %v, want nil", err)
	}
	if s.ID != v.ID {
		t.Errorf("ID: got %q, want %q", s.ID, v.ID)
	}
	got, _ := json.Marshal(s)
	if !jsonEqual(got, v.Session) {
		t.Errorf("session:\ngot  %s\nwant %s", got, v.Session)
	}
	info, err := inspectToken(v.config(), v.Token)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	if info.KeyIndex != v.KeyIndex || info.KeyID != v.KeyID {
		t.Errorf("key: got #%d %q, want #%d %q", info.KeyIndex, info.KeyID, v.KeyIndex, v.KeyID)
	}
	if v.Format != authsession.FormatNextAuthV4 && info.Header["kid"] != v.KeyID {
		t.Errorf("kid header: got %v, want %q", info.Header["kid"], v.KeyID)
	}

	// Expired: one minute past exp and the default leeway.
	late := v.config()
	after := info.ExpiresAt.Add(time.Minute)
	late.Now = func() time.Time { return after }
	if _, err := buildAuth(t, late).DecryptSession(v.Token); !errors.Is(err, authsession.ErrTokenExpired) {
		t.Errorf("after exp: got %v, want ErrTokenExpired", err)
	}
	// Under a secret that is not the one it was made with.
	wrong := v.config()
	wrong.Secret, wrong.PreviousSecrets = "an-entirely-different-secret-0123456789", nil
	if _, err := buildAuth(t, wrong).DecryptSession(v.Token); !errors.Is(err, authsession.ErrInvalidToken) {
		t.Errorf("wrong secret: got %v, want ErrInvalidToken", err)
	}
	// Under another cookie name: the key is bound to it (not in
	// NextAuth.js v4, whose salt is empty).
	if v.Format != authsession.FormatNextAuthV4 {
		other := v.config()
		other.Cookie.Name = v.CookieName + "-other"
		if _, err := buildAuth(t, other).DecryptSession(v.Token); !errors.Is(err, authsession.ErrInvalidToken) {
			t.Errorf("other cookie name: got %v, want ErrInvalidToken", err)
		}
	}
	// Under another format.
	for _, f := range []authsession.TokenFormat{authsession.FormatDefault, authsession.FormatAuthJS, authsession.FormatNextAuthV4} {
		if f == v.Format {
			continue
		}
		cfg := v.config()
		cfg.Format = f
		if _, err := buildAuth(t, cfg).DecryptSession(v.Token); !errors.Is(err, authsession.ErrInvalidToken) {
			t.Errorf("format %v: got %v, want ErrInvalidToken", f, err)
		}
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func readVectors(t *testing.T) map[string]goldenVector {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	vs := make(map[string]goldenVector, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v goldenVector
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		vs[strings.TrimSuffix(filepath.Base(f), ".json")] = v
	}
	return vs
}

func writeVector(t *testing.T, name string, v goldenVector) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(goldenDir, name+".json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGoldenVectors checks every vector in testdata/golden, without Node.js.
// With -update it first rewrites the vectors of goldenCases.
func TestGoldenVectors(t *testing.T) {
	if *update {
		var node nodeFunc
		for _, c := range goldenCases {
			if c.producer == "node" && node == nil {
				node = requireNode(t)
			}
			writeVector(t, c.name, makeVector(t, c, goldenT0, node))
		}
	}
	vs := readVectors(t)
	for _, c := range goldenCases {
		if _, ok := vs[c.name]; !ok {
			t.Errorf("vector %s.json is missing: run go test -run TestGoldenVectors -update", c.name)
		}
	}
	names := make([]string, 0, len(vs))
	for n := range vs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) { checkVector(t, vs[n]) })
	}
}
