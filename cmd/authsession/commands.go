package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/cookies"
	"github.com/authsession/authsession/internal/plainjson"
)

// The library's defaults the commands use, as its documentation gives
// them; TestLibraryDefaults checks that the library resolves to them.
const (
	defaultCookieName    = "session"                 // Config.Cookie.Name
	authJSCookieName     = "authjs.session-token"    // FormatAuthJS's, without "__Secure-"
	nextAuthV4CookieName = "next-auth.session-token" // FormatNextAuthV4's, without "__Secure-"
	secretEnv            = "SESSION_SECRET"          // where an empty Config.Secret comes from
	minSecretBytes       = 32                        // the shortest Config.Secret
	defaultExpiry        = 7 * 24 * time.Hour        // Config.Expiry
)

// errHelp is -h: the flag set printed its usage; exit 0.
var errHelp = errors.New("help requested")

// tokenFlags are the flags inspect and encode share.
type tokenFlags struct {
	format authsession.TokenFormat
	cookie string
	now    string
}

func newFlagSet(name string, stderr io.Writer, tf *tokenFlags) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if tf != nil {
		tf.format = authsession.FormatDefault
		fs.Func("format", "token `format`: default, authjs (Auth.js v5) or nextauth-v4 (NextAuth.js v4) (default \"default\")", tf.setFormat)
		fs.StringVar(&tf.cookie, "cookie", "", "cookie `name` (the HKDF salt); default: the format's cookie name")
		fs.StringVar(&tf.now, "now", "", "the current `time`, RFC 3339 or Unix seconds; default: the clock")
	}
	return fs
}

// setFormat parses -format: one of the library's format names.
func (tf *tokenFlags) setFormat(name string) error {
	switch f := authsession.TokenFormat(name); f {
	case authsession.FormatDefault, authsession.FormatAuthJS, authsession.FormatNextAuthV4:
		tf.format = f
		return nil
	}
	return fmt.Errorf("unknown token format %q (want default, authjs or nextauth-v4)", name)
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// clock parses -now.
func (tf *tokenFlags) clock() (time.Time, error) {
	if tf.now == "" {
		return time.Now(), nil
	}
	if sec, err := strconv.ParseInt(tf.now, 10, 64); err == nil {
		return time.Unix(sec, 0), nil
	}
	t, err := time.Parse(time.RFC3339, tf.now)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: -now: want RFC 3339 or Unix seconds, got %q", errUsage, tf.now)
	}
	return t, nil
}

// cookieNames are the names to try: -cookie, or the format's names (the
// __Secure- one first).
func (tf *tokenFlags) cookieNames() []string {
	if tf.cookie != "" {
		return []string{tf.cookie}
	}
	switch tf.format {
	case authsession.FormatAuthJS:
		return []string{"__Secure-" + authJSCookieName, authJSCookieName}
	case authsession.FormatNextAuthV4:
		return []string{"__Secure-" + nextAuthV4CookieName, nextAuthV4CookieName}
	}
	return []string{defaultCookieName}
}

// secretEnvs are the environment variables the secret may come from, in
// order: SESSION_SECRET, then the format's own (AUTH_SECRET for Auth.js,
// NEXTAUTH_SECRET for NextAuth.js v4).
func (tf *tokenFlags) secretEnvs() []string {
	switch tf.format {
	case authsession.FormatAuthJS:
		return []string{secretEnv, "AUTH_SECRET"}
	case authsession.FormatNextAuthV4:
		return []string{secretEnv, "NEXTAUTH_SECRET"}
	}
	return []string{secretEnv}
}

// secret returns the secret and the name of the environment variable it
// came from.
func (tf *tokenFlags) secret(getenv func(string) string) (secret, env string, err error) {
	envs := tf.secretEnvs()
	for _, env := range envs {
		if secret := getenv(env); secret != "" {
			return secret, env, nil
		}
	}
	return "", "", fmt.Errorf("%w: set %s to the secret (generate one with: authsession secret)", errUsage, strings.Join(envs, " or "))
}

// config builds the library configuration for one cookie name and
// returns the instance it makes (its Config is the resolved one).
func (tf *tokenFlags) config(getenv func(string) string, cookie string, now time.Time) (*authsession.AuthSession[authsession.User], error) {
	secret, _, err := tf.secret(getenv)
	if err != nil {
		return nil, err
	}
	var prev []authsession.Secret
	for _, s := range strings.Split(getenv("SESSION_PREVIOUS_SECRETS"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			prev = append(prev, authsession.Secret(s))
		}
	}
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:          authsession.Secret(secret),
		PreviousSecrets: prev,
		Format:          tf.format,
		Cookie:          authsession.CookieConfig{Name: cookie, Insecure: !strings.HasPrefix(cookie, "__")},
		Now:             func() time.Time { return now },
		Logger:          slog.New(slog.DiscardHandler),
		// The CLI judges expiry itself; a session may be as old as it likes.
		MaxLifetime: 100 * 365 * 24 * time.Hour,
	})
	if err != nil {
		// A bad secret is a usage error.
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	return auth, nil
}

func cmdSecret(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("secret", stderr, nil)
	n := fs.Int("bytes", 32, "number of random `bytes` (at least 32)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *n < minSecretBytes || *n > 1024 {
		return fmt.Errorf("%w: -bytes must be between %d and 1024, got %d", errUsage, minSecretBytes, *n)
	}
	b := make([]byte, *n)
	rand.Read(b)
	_, err := fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(b))
	return err
}

// maxInput bounds what is read from standard input.
const maxInput = 1 << 20

func readInput(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return "", fmt.Errorf("%w: reading standard input: %v", errUsage, err)
	}
	if len(b) > maxInput {
		return "", fmt.Errorf("%w: standard input is larger than %d bytes", errUsage, maxInput)
	}
	return string(b), nil
}

func cmdEncode(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var tf tokenFlags
	fs := newFlagSet("encode", stderr, &tf)
	jti := fs.String("jti", "", "session `id` (the jti claim); default: a random one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: unexpected argument %q (the session JSON goes to standard input)", errUsage, fs.Arg(0))
	}
	now, err := tf.clock()
	if err != nil {
		return err
	}
	auth, err := tf.config(getenv, tf.cookieNames()[0], now)
	if err != nil {
		return err
	}
	in, err := readInput(stdin)
	if err != nil {
		return err
	}
	if !plainjson.WithinDepth([]byte(in), plainjson.MaxDepth) {
		return fmt.Errorf("%w: standard input nests deeper than %d levels, more than a token may carry", errUsage, plainjson.MaxDepth)
	}
	var s authsession.Session[authsession.User]
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		return fmt.Errorf("%w: standard input is not a session JSON object: %v", errUsage, err)
	}
	now = time.UnixMilli(now.UnixMilli())
	if s.CreatedAt.UnixMilli() == 0 {
		s.CreatedAt = now
	}
	if s.LastActivity.UnixMilli() == 0 {
		s.LastActivity = now
	}
	if s.ExpiresAt.UnixMilli() == 0 {
		s.ExpiresAt = now.Add(defaultExpiry)
	}
	s.ID = *jti
	tok, err := auth.EncryptSession(s)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

// tokenFrom extracts the token from a bare token or a Cookie header, and
// returns the cookie names to try with it.
func tokenFrom(input string, names []string) (string, []string, error) {
	input = strings.TrimSpace(input)
	if input == "" {
		return "", nil, fmt.Errorf("%w: no token: pass it as an argument or on standard input", errUsage)
	}
	if !strings.ContainsAny(input, "=;") {
		return input, names, nil // a bare JWE: base64url and dots
	}
	if k, v, ok := strings.Cut(input, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "cookie") {
		input = v
	}
	h := http.Header{"Cookie": {input}}
	for _, n := range names {
		if tok, ok := cookies.Read(h, n, maxInput); ok {
			return tok, []string{n}, nil
		}
	}
	var found []string
	for _, c := range (&http.Request{Header: h}).Cookies() {
		found = append(found, c.Name)
	}
	return "", nil, fmt.Errorf("no usable cookie %s in the Cookie header (cookies found: %s); set -cookie or -format",
		strings.Join(names, " or "), strings.Join(found, ", "))
}
