// Command nextjs-authjs is a Go API that accepts the session cookie of a
// Next.js app using Auth.js v5 (next-auth@5 / @auth/core), so that both
// share one sign-in. See README.md for the configuration of both sides.
//
//	AUTH_SECRET=... go run ./examples/nextjs-authjs
//
// AUTH_SECRET is the Next.js app's secret (required). AUTH_URL is the
// Next.js app's URL: when it starts with https:// the cookie is
// __Secure-authjs.session-token, as Auth.js names it, otherwise
// authjs.session-token. ADDR sets the listen address (default
// 127.0.0.1:8081).
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("nextjs-authjs stopped", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	api, err := newAPI(options{
		Secret: os.Getenv("AUTH_SECRET"),
		Secure: strings.HasPrefix(os.Getenv("AUTH_URL"), "https://"),
		Logger: log,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("nextjs-authjs API listening", "addr", ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
