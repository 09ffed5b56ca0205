// Command loadserver serves one tiny HTML page twice for the HTTP load test
// (scripts/loadtest): at /dashboard behind authsession's guard, with an
// Auth("/dashboard/*") rule, and at /plain/dashboard without it, from the
// same process and the same mux.
//
//	loadserver -addr 127.0.0.1:8081 -cookie-file /tmp/cookie
//
// On startup it mints a valid session cookie for the benchmark payload and
// writes "name=value" to -cookie-file (after the listener is open, so the
// file's appearance means the server is ready). It exits by itself after
// -max-duration, so a forgotten server cannot outlive the test for long.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
)

const page = "<!doctype html><html><head><title>Dashboard</title></head><body><h1>Dashboard</h1></body></html>\n"

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (keep it on 127.0.0.1)")
	cookieFile := flag.String("cookie-file", "", "where to write the session cookie (name=value); default stdout")
	maxDuration := flag.Duration("max-duration", 5*time.Minute, "exit after this long")
	flag.Parse()
	if err := run(*addr, *cookieFile, *maxDuration); err != nil {
		log.Fatal(err)
	}
}

func run(addr, cookieFile string, maxDuration time.Duration) error {
	var secret [32]byte
	rand.Read(secret[:])
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: authsession.Secret(base64.StdEncoding.EncodeToString(secret[:])),
		Cookie: authsession.CookieConfig{Insecure: true},
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth("/dashboard/*"),
		},
	})
	if err != nil {
		return err
	}
	token, err := auth.EncryptSession(benchdata.Session(time.Now()))
	if err != nil {
		return err
	}

	dashboard := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	})
	mux := http.NewServeMux()
	mux.Handle("/dashboard", auth.Middleware(dashboard))
	mux.Handle("/plain/dashboard", dashboard)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, maxDuration)
	defer cancel()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()

	cookie := benchdata.CookieName + "=" + token
	if cookieFile == "" {
		fmt.Println(cookie)
	} else if err := writeAtomic(cookieFile, cookie); err != nil {
		return err
	}
	log.Printf("loadserver listening on http://%s", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// writeAtomic writes data to a temporary file and renames it to name, so a
// reader never sees a partial cookie.
func writeAtomic(name, data string) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
