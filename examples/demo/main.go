// Command demo is a small web application that uses authsession: a login
// form, a guarded dashboard with a live session countdown, an admin page
// for the admin role, a session page, and English and Arabic pages.
//
//	go run -C examples/demo .
//
// Environment:
//
//	ADDR            listen address (default ":8080")
//	SESSION_SECRET  at least 32 bytes; without it the demo generates a
//	                throwaway secret and says so (sessions then end when it
//	                restarts). Only the demo does this: the library refuses
//	                to start without a secret.
//	SESSION_STORAGE "server" keeps each session in the store (memory unless
//	                one is named below) and only its id in the cookie;
//	                default "cookie": the session is the encrypted cookie
//	SESSION_STORE   "memory" keeps a server-side record of every session,
//	                so the session page lists your devices and can log you
//	                out everywhere; default: stateless cookies only
//	REDIS_URL       use a Redis store instead (redis://host:6379/0)
//	REDIS_CLUSTER_ADDRS
//	                use a Redis Cluster store instead (host:port,host:port,…)
//	DATABASE_URL    use a PostgreSQL store instead (postgres://user@host/db;
//	                the demo creates its table, authsession_demo_sessions)
//	COOKIE_SECURE   "1" sets the cookie's Secure attribute (serve over HTTPS)
//	OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
//	                an OpenID provider: "Sign in with OpenID Connect" on
//	                the login page (callback /auth/callback)
//	OIDC_REDIRECT_URL
//	                the callback URL registered at the provider (default:
//	                the request's origin + /auth/callback)
//	SIGNIN_LIMIT    sign-in attempts per client address (the connection's
//	                address; an IPv6 /64): "10/1m" (the default) is ten at
//	                once, then one every 6 s; past it, 429. "off" for load
//	                tests only
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

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log, os.Getenv); err != nil {
		log.Error("demo stopped", "error", err)
		os.Exit(1)
	}
}

// loadOptions reads the demo's configuration from the environment. close
// releases the store's connections.
func loadOptions(getenv func(string) string, log *slog.Logger) (o options, close func() error, err error) {
	o = options{Logger: log, Secret: getenv("SESSION_SECRET"), Secure: getenv("COOKIE_SECURE") == "1",
		UnguardedPrefix: getenv("DEMO_UNGUARDED_PREFIX")}
	if o.Secret == "" {
		var b [32]byte
		rand.Read(b[:])
		o.Secret = base64.StdEncoding.EncodeToString(b[:])
		log.Warn("SESSION_SECRET is not set: using a throwaway secret, sessions end when the demo restarts; set it with SESSION_SECRET=$(openssl rand -base64 32)")
	}
	if o.SignInLimit, err = parseSignInLimit(getenv("SIGNIN_LIMIT")); err != nil {
		return o, noClose, err
	}
	if o.OIDC, err = loadOIDC(getenv); err != nil {
		return o, noClose, err
	}
	if o.Storage, err = parseStorage(getenv("SESSION_STORAGE")); err != nil {
		return o, noClose, err
	}
	o.Store, o.StoreName, close, err = loadStore(getenv)
	if err == nil && o.Storage == authsession.StorageServer && o.Store == nil {
		// Server storage needs a store: memory unless one is named.
		o.Store, o.StoreName = memstore.New(memstore.Options{MaxSessions: demoMaxSessions}), "memory"
	}
	return o, close, err
}

func run(log *slog.Logger, getenv func(string) string) error {
	addr := getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	o, closeStore, err := loadOptions(getenv, log)
	if err != nil {
		return err
	}
	defer closeStore()
	app, err := newApp(o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := newServer(app, demoLimits()) // timeouts and limits: server.go
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	store := o.StoreName
	if store == "" {
		store = "none (stateless)"
	}
	log.Info("demo listening", "url", "http://"+displayAddr(ln.Addr()), "store", store)
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
