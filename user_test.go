package authsession_test

import (
	"testing"

	"github.com/authsession/authsession"
)

func TestUserExtraString(t *testing.T) {
	u := authsession.User{ID: "u_1", Extra: map[string]any{"role": "admin", "level": 3}}
	tests := []struct {
		key, want string
	}{
		{"role", "admin"},
		{"level", ""}, // not a string
		{"missing", ""},
		{"id", ""}, // only Extra is read
	}
	for _, tt := range tests {
		if got := u.ExtraString(tt.key); got != tt.want {
			t.Errorf("ExtraString(%q): got %q, want %q", tt.key, got, tt.want)
		}
	}
}
