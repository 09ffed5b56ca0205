package authsession_test

import (
	"encoding/json"
	"errors"
	"strings"
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

// TestUserJSONDepth: User.UnmarshalJSON, which reads API bodies and
// server-held sessions as well as tokens, refuses JSON nesting deeper
// than the token reader's bound (64 levels, the user object included)
// with ErrInvalidData, whatever reads it; 64 levels still decode.
func TestUserJSONDepth(t *testing.T) {
	nested := func(levels int) []byte { // the user object and levels-1 arrays in it
		return []byte(`{"id":"u_1","deep":` + strings.Repeat("[", levels-1) + strings.Repeat("]", levels-1) + `}`)
	}
	var u authsession.User
	if err := json.Unmarshal(nested(64), &u); err != nil || u.ID != "u_1" {
		t.Fatalf("64 levels: got %+v, %v, want u_1 and no error", u, err)
	}
	var s authsession.Session[authsession.User]
	if err := json.Unmarshal([]byte(`{"user":`+string(nested(63))+`}`), &s); err != nil || s.User.ID != "u_1" {
		t.Fatalf("64 levels in a session: got %+v, %v, want u_1 and no error", s.User, err)
	}
	for _, levels := range []int{65, 9_000} {
		var u authsession.User
		if err := json.Unmarshal(nested(levels), &u); !errors.Is(err, authsession.ErrInvalidData) {
			t.Errorf("%d levels: got %v, want ErrInvalidData", levels, err)
		}
		if err := u.UnmarshalJSON(nested(levels)); !errors.Is(err, authsession.ErrInvalidData) {
			t.Errorf("%d levels, UnmarshalJSON: got %v, want ErrInvalidData", levels, err)
		}
		var s authsession.Session[authsession.User]
		if err := json.Unmarshal([]byte(`{"user":`+string(nested(levels-1))+`}`), &s); !errors.Is(err, authsession.ErrInvalidData) {
			t.Errorf("%d levels in a session: got %v, want ErrInvalidData", levels, err)
		}
	}
	for _, bad := range []string{`{"id":"u_1","x":}`, `{"id":1,"x":2}`, `[]`} {
		var u authsession.User
		if err := u.UnmarshalJSON([]byte(bad)); !errors.Is(err, authsession.ErrInvalidData) {
			t.Errorf("UnmarshalJSON(%s): got %v, want ErrInvalidData", bad, err)
		}
	}
}
