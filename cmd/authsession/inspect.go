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
)

func cmdInspect(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var tf tokenFlags
	fs := newFlagSet("inspect", stderr, &tf)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var input string
	switch {
	case fs.NArg() > 1:
		return fmt.Errorf("%w: want one token, got %d arguments (quote a Cookie header)", errUsage, fs.NArg())
	case fs.NArg() == 1 && fs.Arg(0) != "-":
		input = fs.Arg(0)
	default:
		var err error
		if input, err = readInput(stdin); err != nil {
			return err
		}
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

	var (
		info    authsession.TokenInfo
		cfg     authsession.Config[authsession.User]
		openErr error
	)
	for i, name := range names {
		c, err := tf.config(getenv, name, now)
		if err != nil {
			return err
		}
		in, err := authsession.InspectToken(c, tok)
		if err == nil {
			info, cfg, openErr = in, c, nil
			break
		}
		if i == 0 {
			openErr = err
		}
	}
	_, env, _ := tf.secret(getenv) // config succeeded: there is one
	if openErr != nil {
		return explainOpenError(openErr, tok, tf.format, env, names)
	}

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

	auth, err := authsession.NextAuthSession(cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	_, verr := auth.DecryptSession(tok)
	switch {
	case info.ExpiresAt.IsZero():
		fmt.Fprintf(stdout, "expires: never (no exp claim)\n")
	case !now.Before(info.ExpiresAt):
		fmt.Fprintf(stdout, "expires: %s (expired %s ago)\n", info.ExpiresAt.UTC().Format(time.RFC3339), human(now.Sub(info.ExpiresAt)))
	default:
		fmt.Fprintf(stdout, "expires: %s (expires in %s)\n", info.ExpiresAt.UTC().Format(time.RFC3339), human(info.ExpiresAt.Sub(now)))
	}
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

// explainOpenError turns a decryption failure into advice, judging the
// token's structure itself. The library's errors never contain the token or
// a secret.
func explainOpenError(err error, tok string, format authsession.TokenFormat, env string, names []string) error {
	parts := strings.Split(tok, ".")
	var h struct{ Alg, Enc string }
	if len(parts) != 5 {
		return fmt.Errorf("token invalid: malformed token: want a JWE compact serialization (5 dot-separated parts, got %d) or a Cookie header: %w", len(parts), err)
	}
	raw, derr := base64.RawURLEncoding.DecodeString(parts[0])
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
