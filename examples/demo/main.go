// Command demo is a small web application that uses authsession: a login
// form, a page showing the session, and logout.
//
//	SESSION_SECRET=$(openssl rand -base64 32) go run ./examples/demo
//
// ADDR sets the listen address (default ":8080"). Without SESSION_SECRET the
// demo generates a throwaway secret and says so: sessions then end when it
// restarts. Only the demo does this; the library refuses to start without a
// secret.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("demo stopped", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	secret := os.Getenv("SESSION_SECRET")
	if secret == "" {
		var b [32]byte
		rand.Read(b[:])
		secret = base64.StdEncoding.EncodeToString(b[:])
		log.Warn("SESSION_SECRET is not set: using a throwaway secret, sessions end when the demo restarts; set it with SESSION_SECRET=$(openssl rand -base64 32)")
	}
	app, err := newApp(options{Secret: secret, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("demo listening", "url", "http://"+displayAddr(ln.Addr()))
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil || host == "::" || host == "0.0.0.0" || host == "" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}
