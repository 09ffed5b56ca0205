package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/go-jose/go-jose/v4"
)

// vector is the part of a testdata/golden vector the CLI tests use.
type vector struct {
	Format          authsession.TokenFormat
	Secret          string
	PreviousSecrets []string
	CookieName      string
	Now             int64
	Token           string
	KeyID           string `json:"kid"`
}

func loadVector(t *testing.T, name string) vector {
	t.Helper()
	b, err := os.ReadFile("../../testdata/golden/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var v vector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestRun(t *testing.T) {
	def := loadVector(t, "default-authsession")
	rot := loadVector(t, "default-rotation-jose")
	ajs := loadVector(t, "authjs-authsession")
	nav4 := loadVector(t, "nextauth-v4-nextauth")
	acore := loadVector(t, "authjs-authcore")
	at := func(v vector, d time.Duration) string { return strconv.FormatInt(v.Now+int64(d/time.Second), 10) }
	secretEnv := map[string]string{"SESSION_SECRET": def.Secret}

	// A chunked Auth.js cookie, as the browser sends it.
	big := authsession.User{ID: "u_big", Extra: map[string]any{"bio": strings.Repeat("b", 6000)}}
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: authsession.Secret(ajs.Secret), Format: authsession.FormatAuthJS,
		Now: func() time.Time { return time.Unix(ajs.Now, 0) },
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := auth.CreateSession(rec, httptest.NewRequest("GET", "/", nil), big); err != nil {
		t.Fatal(err)
	}
	var chunked []string
	for _, c := range rec.Result().Cookies() {
		chunked = append(chunked, c.Name+"="+c.Value)
	}
	if len(chunked) < 2 {
		t.Fatalf("got %d cookies, want chunks", len(chunked))
	}
	chunkedHeader := "Cookie: theme=dark; " + strings.Join(chunked, "; ")

	tests := []struct {
		name       string
		args       []string
		stdin      string
		env        map[string]string
		wantCode   int
		wantOut    []string
		wantErr    []string
		notInError []string
	}{
		{name: "no arguments", wantCode: 2, wantErr: []string{"usage:"}},
		{name: "unknown command", args: []string{"decode"}, wantCode: 2, wantErr: []string{`unknown command "decode"`}},
		{name: "help", args: []string{"help"}, wantCode: 0, wantOut: []string{"usage:", "Exit status"}},
		{name: "inspect -h", args: []string{"inspect", "-h"}, wantCode: 0, wantErr: []string{"-format"}},
		{name: "secret -bytes too small", args: []string{"secret", "-bytes", "16"}, wantCode: 2, wantErr: []string{"-bytes must be"}},
		{name: "secret extra argument", args: []string{"secret", "x"}, wantCode: 2},
		{name: "secret bad flag", args: []string{"secret", "-size", "3"}, wantCode: 2, wantErr: []string{"flag provided but not defined"}},

		{name: "valid token", args: []string{"inspect", "-now", at(def, 0), def.Token}, env: secretEnv, wantCode: 0,
			wantOut: []string{"status:  valid", "expires in 6 days 23 hours", "issued:  2026-01-01T00:00:00Z (1 hour ago)",
				"current secret (SESSION_SECRET), kid " + def.KeyID, `"alg": "dir"`, `"email": "ann@example.com"`}},
		{name: "valid token on stdin", args: []string{"inspect", "-now", at(def, 0), "-"}, stdin: def.Token + "\n", env: secretEnv, wantCode: 0,
			wantOut: []string{"status:  valid"}},
		{name: "valid token in a Cookie header", args: []string{"inspect", "-now", "2026-01-01T01:00:00Z", "a=1; session=" + def.Token + "; b=2"}, env: secretEnv, wantCode: 0,
			wantOut: []string{"cookie:  session", "status:  valid"}},
		{name: "expired token", args: []string{"inspect", "-now", at(def, 7*24*time.Hour+time.Hour)}, stdin: def.Token, env: secretEnv, wantCode: 1,
			wantOut: []string{"status:  expired", "(expired 2 hours ago)", `"id": "u_1"`}, wantErr: []string{"token expired"}},
		{name: "issued in the future", args: []string{"inspect", "-now", "2025-12-31T00:00:00Z", def.Token}, env: secretEnv, wantCode: 1,
			wantOut: []string{"in 1 day, in the future", "status:  expired"}},
		{name: "previous secret", args: []string{"inspect", "-now", at(rot, 0), rot.Token},
			env:      map[string]string{"SESSION_SECRET": rot.Secret, "SESSION_PREVIOUS_SECRETS": strings.Join(rot.PreviousSecrets, " , ")},
			wantCode: 0, wantOut: []string{"previous secret #2 (SESSION_PREVIOUS_SECRETS), kid " + rot.KeyID}},
		{name: "wrong secret", args: []string{"inspect", def.Token}, env: map[string]string{"SESSION_SECRET": "not-the-secret-0123456789abcdefghijkl"}, wantCode: 1,
			wantErr: []string{"does not decrypt with SESSION_SECRET", "unknown key id"}, notInError: []string{def.Token, "not-the-secret"}},
		{name: "wrong cookie name", args: []string{"inspect", "-cookie", "sid", def.Token}, env: secretEnv, wantCode: 1,
			wantErr: []string{"under cookie name sid"}},
		{name: "wrong format", args: []string{"inspect", "-format", "default", ajs.Token}, env: map[string]string{"SESSION_SECRET": ajs.Secret}, wantCode: 1,
			wantErr: []string{`enc "A256CBC-HS512" is not format default`}},
		{name: "malformed token", args: []string{"inspect", "abc.def"}, env: secretEnv, wantCode: 1, wantErr: []string{"malformed token", "got 2"}},
		{name: "malformed header", args: []string{"inspect", "!!!!.a.b.c.d"}, env: secretEnv, wantCode: 1, wantErr: []string{"not base64url JSON"}},
		{name: "tampered token", args: []string{"inspect", def.Token[:len(def.Token)-2] + "AA"}, env: secretEnv, wantCode: 1, wantErr: []string{"token invalid"}},
		{name: "empty input", args: []string{"inspect"}, stdin: " \n", env: secretEnv, wantCode: 2, wantErr: []string{"no token"}},
		{name: "two arguments", args: []string{"inspect", "a", "b"}, env: secretEnv, wantCode: 2},
		{name: "cookie header without the cookie", args: []string{"inspect", "Cookie: a=1; sid=2"}, env: secretEnv, wantCode: 1,
			wantErr: []string{"no usable cookie session", "cookies found: a, sid"}},
		{name: "missing secret", args: []string{"inspect", def.Token}, wantCode: 2, wantErr: []string{"set SESSION_SECRET", "authsession secret"}},
		{name: "short secret", args: []string{"inspect", def.Token}, env: map[string]string{"SESSION_SECRET": "short"}, wantCode: 2,
			wantErr: []string{"too short"}, notInError: []string{"short\n"}},
		{name: "unknown format", args: []string{"inspect", "-format", "jose", def.Token}, env: secretEnv, wantCode: 2, wantErr: []string{"unknown token format"}},
		{name: "bad -now", args: []string{"inspect", "-now", "yesterday", def.Token}, env: secretEnv, wantCode: 2, wantErr: []string{"-now"}},

		{name: "authjs chunked Cookie header", args: []string{"inspect", "-format", "authjs", "-now", at(ajs, 0), chunkedHeader},
			env: map[string]string{"AUTH_SECRET": ajs.Secret}, wantCode: 0,
			wantOut: []string{"cookie:  __Secure-authjs.session-token", "key:     current secret (AUTH_SECRET), kid ", `"sub": "u_big"`, "status:  valid"}},
		{name: "authjs insecure cookie name found", args: []string{"inspect", "-format", "authjs", "-now", at(acore, 0), acore.Token},
			env: map[string]string{"SESSION_SECRET": ajs.Secret}, wantCode: 0, wantOut: []string{"cookie:  authjs.session-token", "key:     current secret (SESSION_SECRET), kid "}},
		// The variable the key came from is named: NEXTAUTH_SECRET here
		// (this case expected SESSION_SECRET, which was not set).
		{name: "nextauth-v4 has no kid", args: []string{"inspect", "-format", "nextauth-v4", "-now", at(nav4, 0), nav4.Token},
			env: map[string]string{"NEXTAUTH_SECRET": nav4.Secret}, wantCode: 0, wantOut: []string{"key:     current secret (NEXTAUTH_SECRET)\n", "status:  valid"}},
		{name: "SESSION_SECRET wins over AUTH_SECRET", args: []string{"inspect", "-format", "authjs", "-now", at(acore, 0), acore.Token},
			env: map[string]string{"SESSION_SECRET": ajs.Secret, "AUTH_SECRET": "another-secret-0123456789abcdefghijkl"}, wantCode: 0,
			wantOut: []string{"key:     current secret (SESSION_SECRET), kid "}},
		{name: "authjs wrong AUTH_SECRET", args: []string{"inspect", "-format", "authjs", acore.Token},
			env: map[string]string{"AUTH_SECRET": "not-the-secret-0123456789abcdefghijkl"}, wantCode: 1,
			wantErr: []string{"does not decrypt with AUTH_SECRET or any of SESSION_PREVIOUS_SECRETS"}, notInError: []string{acore.Token, "not-the-secret"}},
		{name: "authjs missing secret", args: []string{"inspect", "-format", "authjs", acore.Token}, wantCode: 2,
			wantErr: []string{"set SESSION_SECRET or AUTH_SECRET"}},
		{name: "nextauth-v4 missing secret", args: []string{"inspect", "-format", "nextauth-v4", nav4.Token}, wantCode: 2,
			wantErr: []string{"set SESSION_SECRET or NEXTAUTH_SECRET"}},

		{name: "encode bad JSON", args: []string{"encode"}, stdin: "{", env: secretEnv, wantCode: 2, wantErr: []string{"not a session JSON"}},
		{name: "encode argument", args: []string{"encode", "x"}, env: secretEnv, wantCode: 2},
		{name: "encode without secret", args: []string{"encode"}, stdin: "{}", wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr, envOf(tt.env))
			if code != tt.wantCode {
				t.Errorf("exit code: got %d, want %d (stderr: %s)", code, tt.wantCode, stderr.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout: got %q, want it to contain %q", stdout.String(), w)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr: got %q, want it to contain %q", stderr.String(), w)
				}
			}
			for _, w := range tt.notInError {
				if strings.Contains(stderr.String(), w) {
					t.Errorf("stderr contains %q", w)
				}
			}
		})
	}
}

func TestSecret(t *testing.T) {
	var out1, out2 bytes.Buffer
	if code := run([]string{"secret"}, nil, &out1, &out2, envOf(nil)); code != 0 {
		t.Fatalf("exit code: got %d, want 0", code)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out1.String()))
	if err != nil || len(b) != 32 {
		t.Errorf("secret: got %d bytes (%v), want 32", len(b), err)
	}
	var out3 bytes.Buffer
	run([]string{"secret", "-bytes", "48"}, nil, &out3, &out2, envOf(nil))
	if out3.String() == out1.String() {
		t.Error("two secrets are equal")
	}
	if b, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(out3.String())); len(b) != 48 {
		t.Errorf("-bytes 48: got %d bytes, want 48", len(b))
	}
}

// TestEncodeInspect round-trips a session through encode and inspect in
// every format.
func TestEncodeInspect(t *testing.T) {
	env := envOf(map[string]string{"SESSION_SECRET": "encode-inspect-secret-0123456789abcdef"})
	in := `{"user":{"id":"u_7","name":"Eve","role":"ops"},"expiresAt":1767229200000}`
	for _, f := range []string{"default", "authjs", "nextauth-v4"} {
		t.Run(f, func(t *testing.T) {
			var tok, stderr bytes.Buffer
			if code := run([]string{"encode", "-format", f, "-now", "2026-01-01T00:00:00Z", "-jti", "sid-7"}, strings.NewReader(in), &tok, &stderr, env); code != 0 {
				t.Fatalf("encode: exit code %d, want 0 (%s)", code, stderr.String())
			}
			var out bytes.Buffer
			code := run([]string{"inspect", "-format", f, "-now", "2026-01-01T00:30:00Z"}, &tok, &out, &stderr, env)
			if code != 0 {
				t.Fatalf("inspect: exit code %d, want 0 (%s)", code, stderr.String())
			}
			for _, w := range []string{`"jti": "sid-7"`, `"role": "ops"`, "expires in 30 minutes", "status:  valid"} {
				if !strings.Contains(out.String(), w) {
					t.Errorf("inspect: got %q, want it to contain %q", out.String(), w)
				}
			}
		})
	}
}

func TestHuman(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "less than a second"},
		{999 * time.Millisecond, "less than a second"},
		{time.Second, "1 second"},
		{90 * time.Second, "1 minute 30 seconds"},
		{2 * time.Hour, "2 hours"},
		{2*time.Hour + 59*time.Second, "2 hours"},
		{6*24*time.Hour + 23*time.Hour + 59*time.Minute, "6 days 23 hours"},
		{24*time.Hour + 5*time.Minute, "1 day"},
		{400 * 24 * time.Hour, "400 days"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := human(tt.d); got != tt.want {
				t.Errorf("human(%v): got %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

// TestNesting: a token or a session whose JSON nests deeper than the
// token reader's limit is refused with a clear error, at a bounded cost:
// an 11 KB token 4,000 levels deep once made inspect print megabytes of
// indentation and decode 4,000 nested values.
func TestNesting(t *testing.T) {
	def := loadVector(t, "default-authsession")
	env := envOf(map[string]string{"SESSION_SECRET": def.Secret})
	key, err := jwe.DeriveKey(def.Secret, "session")
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", 4000) + strings.Repeat("]", 4000)
	payload := fmt.Sprintf(`{"user":{"id":"u_1","x":%s},"iat":%d,"exp":%d,"jti":"sid-1"}`, deep, def.Now, def.Now+3600)
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: key, KeyID: jwe.KeyID(key)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := enc.Encrypt([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	now := strconv.FormatInt(def.Now, 10)
	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
	}{
		{"inspect", []string{"inspect", "-now", now, tok}, "", exitInvalid},
		{"encode", []string{"encode", "-now", now}, `{"user":{"id":"u_1","x":` + deep + `}}`, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr, env)
			if code != tt.wantCode || !strings.Contains(stderr.String(), "nest") {
				t.Errorf("got exit code %d, stderr %q; want %d and an error about nesting", code, stderr.String(), tt.wantCode)
			}
			if stdout.Len() > 2048 {
				t.Errorf("got %d bytes of output, want at most 2048", stdout.Len())
			}
			allocs := testing.AllocsPerRun(1, func() {
				run(tt.args, strings.NewReader(tt.stdin), io.Discard, io.Discard, env)
			})
			if allocs > 1000 {
				t.Errorf("got %v allocations, want at most 1000", allocs)
			}
		})
	}
}

// TestLibraryDefaults: the defaults the commands use are the library's:
// its default cookie name and expiry, the foreign formats' cookie names,
// the environment variable of the secret and the shortest secret.
func TestLibraryDefaults(t *testing.T) {
	secret := strings.Repeat("s", minSecretBytes)
	for _, tt := range []struct {
		format authsession.TokenFormat
		cookie string
	}{
		{authsession.FormatDefault, defaultCookieName},
		{authsession.FormatAuthJS, "__Secure-" + authJSCookieName},
		{authsession.FormatNextAuthV4, "__Secure-" + nextAuthV4CookieName},
	} {
		auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: authsession.Secret(secret), Format: tt.format})
		if err != nil {
			t.Fatal(err)
		}
		if got := auth.Config.Cookie.Name; got != tt.cookie {
			t.Errorf("format %v: cookie name: got %q, want %q", tt.format, got, tt.cookie)
		}
		if got := auth.Config.Expiry; tt.format == authsession.FormatDefault && got != defaultExpiry {
			t.Errorf("expiry: got %v, want %v", got, defaultExpiry)
		}
	}
	t.Setenv(secretEnv, secret)
	if _, err := authsession.NextAuthSession(authsession.Config[authsession.User]{}); err != nil {
		t.Errorf("the secret from $%s: %v", secretEnv, err)
	}
	t.Setenv(secretEnv, secret[1:])
	if _, err := authsession.NextAuthSession(authsession.Config[authsession.User]{}); !errors.Is(err, authsession.ErrConfig) {
		t.Errorf("a secret of %d bytes: got %v, want ErrConfig", minSecretBytes-1, err)
	}
}
