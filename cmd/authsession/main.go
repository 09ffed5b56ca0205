// Command authsession makes secrets and inspects session tokens of the
// authsession library, and of Next.js apps using Auth.js v5 or NextAuth.js v4.
//
// Usage:
//
//	authsession secret [-bytes 32]
//	authsession inspect [-format F] [-cookie NAME] [-now TIME] [TOKEN | 'COOKIE HEADER' | -]
//	authsession encode  [-format F] [-cookie NAME] [-now TIME] [-jti ID] < session.json
//
// secret prints a new random secret (base64 of 32 random bytes), suitable
// for SESSION_SECRET or AUTH_SECRET.
//
// inspect decrypts a token — given as an argument or on standard input, as
// the bare token or as a whole Cookie header (chunked cookies name.0,
// name.1, ... are joined) — and prints its header, its claims, when it
// expires ("expires in 6 days 23 hours", "expired 2 hours ago") and which
// secret decrypted it (current, or previous #n, with its kid). Expired
// tokens are decrypted and printed too.
//
// encode reads a session in the library's JSON form on standard input and
// prints its token; missing times default to now (expiresAt: now + 7 days).
// It is meant for tests and scripts.
//
// The secret comes from the environment: SESSION_SECRET (for -format authjs
// also AUTH_SECRET, for -format nextauth-v4 also NEXTAUTH_SECRET, when
// SESSION_SECRET is empty; inspect names the variable it used), and
// SESSION_PREVIOUS_SECRETS, a comma-separated list of older secrets. -format is default, authjs or nextauth-v4; -cookie
// defaults to the format's cookie name (session, __Secure-authjs.session-token
// or authjs.session-token, ...). -now (RFC 3339 or Unix seconds) replaces the
// clock.
//
// Exit status: 0 when the token is valid (or the command succeeded), 1 when
// the token is invalid, malformed, under an unknown secret or expired, 2 on
// a usage error (unknown command or flag, missing or short secret).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Exit codes.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

const usage = `usage:
  authsession secret [-bytes 32]
  authsession inspect [-format F] [-cookie NAME] [-now TIME] [TOKEN | 'COOKIE HEADER' | -]
  authsession encode  [-format F] [-cookie NAME] [-now TIME] [-jti ID] < session.json

Secrets come from $SESSION_SECRET (-format authjs: or $AUTH_SECRET, nextauth-v4:
or $NEXTAUTH_SECRET) and $SESSION_PREVIOUS_SECRETS (comma-separated).
Formats: default, authjs (Auth.js v5), nextauth-v4 (NextAuth.js v4).
Exit status: 0 ok, 1 token invalid or expired, 2 usage error.
`

// errUsage marks errors that exit with status 2.
var errUsage = errors.New("usage error")

// run is the whole command, with its environment injected for tests.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "secret":
		err = cmdSecret(args[1:], stdout, stderr)
	case "inspect":
		err = cmdInspect(args[1:], stdin, stdout, stderr, getenv)
	case "encode":
		err = cmdEncode(args[1:], stdin, stdout, stderr, getenv)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "authsession: unknown command %q\n%s", args[0], usage)
		return exitUsage
	}
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "authsession %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "authsession %s: %v\n", args[0], err)
		return exitInvalid
	}
}
