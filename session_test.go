package authsession_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

func TestSessionJSON(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := authsession.Session[authsession.User]{
		ID: "ignored", User: authsession.User{ID: "u_1", Name: "Ann", Extra: map[string]any{"role": "admin"}},
		AccessToken: "a", RefreshToken: "r",
		ExpiresAt: at, CreatedAt: at.Add(-24 * time.Hour), LastActivity: at.Add(-24 * time.Hour),
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"user":{"id":"u_1","name":"Ann","role":"admin"},"accessToken":"a","refreshToken":"r","expiresAt":1767225600000,"expiryDate":"2026-01-01T00:00:00.000Z","createdAt":1767139200000,"lastActivity":1767139200000}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	pub, _ := json.Marshal(s.Redacted(false))
	if strings.Contains(string(pub), "accessToken") || strings.Contains(string(pub), "refreshToken") {
		t.Errorf("Redacted(false) kept tokens: %s", pub)
	}
	pub, _ = json.Marshal(s.Redacted(true))
	if !strings.Contains(string(pub), `"accessToken":"a"`) || strings.Contains(string(pub), "refreshToken") {
		t.Errorf("Redacted(true): %s", pub)
	}
	var back authsession.Session[authsession.User]
	if err := json.Unmarshal(b, &back); err != nil || !back.ExpiresAt.Equal(at) || back.User.ExtraString("role") != "admin" {
		t.Errorf("round trip: got %+v %v", back, err)
	}
}
