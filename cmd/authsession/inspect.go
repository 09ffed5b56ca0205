package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/authsession/authsession/internal/plainjson"
)

func cmdInspect(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var tf tokenFlags
	fs := newFlagSet("inspect", stderr, &tf)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	input, err := inspectInput(fs.Args(), stdin)
	if err != nil {
		return err
	}
	now, err := tf.clock()
	if err != nil {
		return err
	}
	names := tf.cookieNames()
	// Check the configuration (the secret) before looking at the token.
	if _, err := tf.config(getenv, names[0], now); err != nil {
		return err
	}
	tok, names, err := tokenFrom(input, names)
	if err != nil {
		return err
	}
	_, env, _ := tf.secret(getenv) // config succeeded: there is one
	op, err := tf.open(getenv, tok, names, now)
	if err != nil {
		return explainOpenError(err, tok, tf.format, env, names)
	}
	op.print(stdout, env, now)
	_, verr := op.auth.DecryptSession(tok)
	switch {
	case verr == nil:
		fmt.Fprintln(stdout, "status:  valid")
		return nil
	case errors.Is(verr, authsession.ErrTokenExpired), errors.Is(verr, authsession.ErrMaxLifetime):
		fmt.Fprintln(stdout, "status:  expired")
		return verr
	default:
		fmt.Fprintln(stdout, "status:  invalid")
		return verr
	}
}

// inspectInput is the token argument, or standard input for none or "-".
func inspectInput(args []string, stdin io.Reader) (string, error) {
	switch {
	case len(args) > 1:
		return "", fmt.Errorf("%w: want one token, got %d arguments (quote a Cookie header)", errUsage, len(args))
	case len(args) == 1 && args[0] != "-":
		return args[0], nil
	}
	return readInput(stdin)
}

// opened is a token that inspect decrypted, with the instance whose
// configuration did.
type opened struct {
	info jwe.Info
	auth *authsession.AuthSession[authsession.User]
}

// open decrypts tok under each cookie name in turn, without judging its
// claims (jwe.Inspect), and returns the first that works. Otherwise the
// error is that of a name under which the token decrypted but its claims
// cannot be shown (jwe.ErrClaims), or else the first name's.
func (tf *tokenFlags) open(getenv func(string) string, tok string, names []string, now time.Time) (opened, error) {
	var first error
	for i, name := range names {
		auth, err := tf.config(getenv, name, now)
		if err != nil {
			return opened{}, err
		}
		c, err := codecOf(auth.Config)
		if err != nil {
			return opened{}, err
		}
		info, err := jwe.Inspect(c, tok)
		switch {
		case err == nil:
			return opened{info, auth}, nil
		case errors.Is(err, jwe.ErrClaims):
			return opened{}, err
		case i == 0:
			first = err
		}
	}
	return opened{}, first
}

// codecOf is the codec of a resolved configuration: its format's key
// scheme under the cookie name, for the current and previous secrets.
func codecOf(cfg authsession.Config[authsession.User]) (*jwe.Codec, error) {
	scheme, ok := jwe.SchemeNamed(string(cfg.Format))
	if !ok {
		return nil, fmt.Errorf("%w: no key scheme for format %s", errUsage, cfg.Format)
	}
	secrets := []string{string(cfg.Secret)}
	for _, s := range cfg.PreviousSecrets {
		secrets = append(secrets, string(s))
	}
	return jwe.NewCodec(scheme, cfg.Cookie.Name, secrets, cfg.MaxCookieBytes)
}

// print writes what the token holds and when it expires; env names the
// variable the current secret came from.
func (op *opened) print(stdout io.Writer, env string, now time.Time) {
	info, cfg := op.info, op.auth.Config
	key := "current secret (" + env + ")"
	if info.KeyIndex > 0 {
		key = fmt.Sprintf("previous secret #%d (SESSION_PREVIOUS_SECRETS)", info.KeyIndex)
	}
	if info.KeyID != "" {
		key += ", kid " + info.KeyID
	}
	fmt.Fprintf(stdout, "format:  %s\ncookie:  %s\nkey:     %s\n", cfg.Format, cfg.Cookie.Name, key)
	fmt.Fprintf(stdout, "header:  %s\n", indentJSON(mustJSON(info.Header)))
	fmt.Fprintf(stdout, "claims:  %s\n", indentJSON(info.Claims))
	if !info.IssuedAt.IsZero() {
		fmt.Fprintf(stdout, "issued:  %s (%s)\n", info.IssuedAt.UTC().Format(time.RFC3339), ago(now.Sub(info.IssuedAt)))
	}
	switch {
	case info.ExpiresAt.IsZero():
		fmt.Fprintf(stdout, "expires: never (no exp claim)\n")
	case !now.Before(info.ExpiresAt):
		fmt.Fprintf(stdout, "expires: %s (expired %s ago)\n", info.ExpiresAt.UTC().Format(time.RFC3339), human(now.Sub(info.ExpiresAt)))
	default:
		fmt.Fprintf(stdout, "expires: %s (expires in %s)\n", info.ExpiresAt.UTC().Format(time.RFC3339), human(info.ExpiresAt.Sub(now)))
	}
}

// explainOpenError turns a failure to open the token into advice, judging
// the token's structure itself. The errors never contain the token or a
// secret.
func explainOpenError(err error, tok string, format authsession.TokenFormat, env string, names []string) error {
	if errors.Is(err, jwe.ErrClaims) {
		return fmt.Errorf("token invalid: it decrypts, but: %w", err)
	}
	parts := strings.Split(tok, ".")
	var h struct{ Alg, Enc string }
	if len(parts) != 5 {
		return fmt.Errorf("token invalid: malformed token: want a JWE compact serialization (5 dot-separated parts, got %d) or a Cookie header: %w", len(parts), err)
	}
	raw, derr := base64.RawURLEncoding.DecodeString(parts[0])
	if derr == nil && !plainjson.WithinDepth(raw, plainjson.MaxDepth) {
		return fmt.Errorf("token invalid: malformed token: its header nests deeper than %d levels: %w", plainjson.MaxDepth, err)
	}
	if derr != nil || json.Unmarshal(raw, &h) != nil {
		return fmt.Errorf("token invalid: malformed token: its header is not base64url JSON: %w", err)
	}
	wantEnc := map[authsession.TokenFormat]string{authsession.FormatAuthJS: "A256CBC-HS512"}[format]
	if wantEnc == "" {
		wantEnc = "A256GCM"
	}
	if h.Alg != "dir" || h.Enc != wantEnc {
		return fmt.Errorf("token invalid: alg %q / enc %q is not format %s (dir / %s); try -format default, authjs or nextauth-v4: %w", h.Alg, h.Enc, format, wantEnc, err)
	}
	return fmt.Errorf("token invalid: it does not decrypt with %s or any of SESSION_PREVIOUS_SECRETS under cookie name %s (wrong secret, cookie name or -format?): %w",
		env, strings.Join(names, " or "), err)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func indentJSON(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "         ", "  ") != nil {
		return string(b)
	}
	return out.String()
}

func ago(d time.Duration) string {
	if d < 0 {
		return "in " + human(-d) + ", in the future"
	}
	return human(d) + " ago"
}

// human renders d in its two largest units: "6 days 23 hours",
// "2 hours", "1 minute 30 seconds", "less than a second".
func human(d time.Duration) string {
	if d < time.Second {
		return "less than a second"
	}
	units := []struct {
		name string
		size time.Duration
	}{{"day", 24 * time.Hour}, {"hour", time.Hour}, {"minute", time.Minute}, {"second", time.Second}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 || len(parts) > 0 {
			if n > 0 {
				s := fmt.Sprintf("%d %s", n, u.name)
				if n != 1 {
					s += "s"
				}
				parts = append(parts, s)
			}
			d -= n * u.size
			if len(parts) == 2 || (len(parts) == 1 && n == 0) {
				break
			}
		}
	}
	return strings.Join(parts, " ")
}
