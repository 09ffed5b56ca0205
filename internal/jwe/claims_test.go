package jwe

import (
	"errors"
	"testing"
	"time"
)

func TestValidator(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	strict := NewValidator(5*time.Second, clock, true)
	foreign := NewValidator(5*time.Second, clock, false)
	sec := func(d time.Duration) float64 { return float64(now.Add(d).Unix()) }
	tests := []struct {
		name              string
		c                 Claims
		strictOK, foreign bool
	}{
		{"valid", Claims{IssuedAt: sec(0), Expiry: sec(time.Hour)}, true, true},
		{"no exp", Claims{IssuedAt: sec(0)}, false, false},
		{"expired within leeway", Claims{Expiry: sec(-4 * time.Second)}, true, true},
		{"expired", Claims{Expiry: sec(-6 * time.Second)}, false, false},
		{"fractional exp", Claims{Expiry: sec(time.Hour) + 0.5}, true, true},
		{"iat in the future", Claims{IssuedAt: sec(time.Hour), Expiry: sec(2 * time.Hour)}, false, true},
		{"nbf in the future", Claims{NotBefore: sec(time.Hour), Expiry: sec(2 * time.Hour)}, false, false},
		{"nbf within leeway", Claims{NotBefore: sec(4 * time.Second), Expiry: sec(time.Hour)}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []struct {
				v    Validator
				want bool
			}{{strict, tt.strictOK}, {foreign, tt.foreign}} {
				c := tt.c
				err := v.v.Validate(&c)
				if (err == nil) != v.want || err != nil && !errors.Is(err, ErrTokenExpired) {
					t.Errorf("got %v, want ok=%v and errors wrapping ErrTokenExpired", err, v.want)
				}
			}
		})
	}
}

// TestValidatorAllocations: validating a valid token's claims allocates
// no date (they live in Claims): only golang-jwt's own allocation is left.
func TestValidatorAllocations(t *testing.T) {
	now := time.Now()
	v := NewValidator(time.Second, func() time.Time { return now }, true)
	c := Claims{IssuedAt: float64(now.Unix()), Expiry: float64(now.Add(time.Hour).Unix())}
	if n := testing.AllocsPerRun(100, func() {
		if err := v.v.Validate(&c); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Errorf("got %v allocations, want at most 1", n)
	}
}
