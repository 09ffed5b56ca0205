package main

import (
	"errors"
	"log/slog"
	"testing"
	"time"
)

func TestLoadOptions(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name      string
		env       map[string]string
		store     string
		secure    bool
		err       error // nil: success; errAny: some error
		keepValue bool
	}{
		{"defaults", map[string]string{}, "", false, nil, false},
		{"secret and secure", map[string]string{"SESSION_SECRET": testSecret, "COOKIE_SECURE": "1"}, "", true, nil, true},
		{"memory", map[string]string{"SESSION_STORE": "memory"}, "memory", false, nil, false},
		{"stateless", map[string]string{"SESSION_STORE": "stateless"}, "", false, nil, false},
		{"unknown store", map[string]string{"SESSION_STORE": "postgres"}, "", false, errBadStore, false},
		{"bad redis URL", map[string]string{"REDIS_URL": "http://nope"}, "", false, errAny, false},
		{"redis and memory", map[string]string{"REDIS_URL": "redis://127.0.0.1:1", "SESSION_STORE": "memory"}, "", false, errAny, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, closeStore, err := loadOptions(func(k string) string { return tt.env[k] }, log)
			defer closeStore()
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.err == errAny && err == nil, tt.err != nil && tt.err != errAny && !errors.Is(err, tt.err):
				t.Fatalf("got error %v, want %v", err, tt.err)
			case tt.err != nil:
				return
			}
			if got := o.StoreName; got != tt.store {
				t.Errorf("got store %q, want %q", got, tt.store)
			}
			if (o.Store != nil) != (tt.store != "") {
				t.Errorf("got Store %v for %q", o.Store, tt.store)
			}
			if got := o.Secure; got != tt.secure {
				t.Errorf("got Secure %v, want %v", got, tt.secure)
			}
			if len(o.Secret) < 32 { // the library's shortest secret
				t.Errorf("got a %d-byte secret, want at least 32", len(o.Secret))
			}
			if tt.keepValue && o.Secret != tt.env["SESSION_SECRET"] {
				t.Error("SESSION_SECRET was not used")
			}
		})
	}
}

var errAny = errors.New("any error")

// TestLoadOptionsSignInLimit: the sign-in limit is on unless SIGNIN_LIMIT
// says otherwise, and a bad value stops the demo with an error naming it.
func TestLoadOptionsSignInLimit(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, tt := range []struct {
		env  string
		want signInLimit
		err  error
	}{
		{"", defaultSignInLimit, nil},
		{"off", signInLimit{Off: true}, nil},
		{"100/1h", signInLimit{Burst: 100, Per: time.Hour}, nil},
		{"lots", signInLimit{}, errBadSignInLimit},
	} {
		o, closeStore, err := loadOptions(func(k string) string { return map[string]string{"SIGNIN_LIMIT": tt.env}[k] }, log)
		closeStore()
		if !errors.Is(err, tt.err) || o.SignInLimit.Burst != tt.want.Burst || o.SignInLimit.Per != tt.want.Per || o.SignInLimit.Off != tt.want.Off {
			t.Errorf("SIGNIN_LIMIT=%q: got %+v, %v, want %+v, %v", tt.env, o.SignInLimit, err, tt.want, tt.err)
		}
	}
}
