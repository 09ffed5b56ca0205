// Command react-spa serves a React single-page app (web/, built with Vite)
// behind authsession: the guard, the session API that @authsession/react
// talks to, and JSON sign-in and sign-out endpoints.
//
//	cd web && npm ci && npm run build   # once, and after changing the app
//	go run .                            # http://localhost:8080
//
// Environment:
//
//	ADDR            listen address (default ":8080")
//	SESSION_SECRET  at least 32 bytes; without it the example generates a
//	                throwaway secret (sessions end when it restarts)
//	STATIC_DIR      the built app (default "web/dist")
//	COOKIE_SECURE   "1" sets the cookie's Secure attribute (serve over HTTPS)
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
	if err := run(log, os.Getenv); err != nil {
		log.Error("react-spa stopped", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger, getenv func(string) string) error {
	o := options{
		Secret:    getenv("SESSION_SECRET"),
		Secure:    getenv("COOKIE_SECURE") == "1",
		StaticDir: getenv("STATIC_DIR"),
		Logger:    log,
	}
	if o.StaticDir == "" {
		o.StaticDir = "web/dist"
	}
	if o.Secret == "" {
		var b [32]byte
		rand.Read(b[:])
		o.Secret = base64.StdEncoding.EncodeToString(b[:])
		log.Warn("SESSION_SECRET is not set: using a throwaway secret, sessions end when the server restarts")
	}
	h, err := newServer(o)
	if err != nil {
		return err
	}
	addr := getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("react-spa listening", "addr", ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
