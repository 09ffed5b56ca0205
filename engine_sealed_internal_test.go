package authsession

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// customUser is a user type without the default User's one-pass writer:
// encodeSealed gives it to encoding/json.
type customUser struct {
	Sub   string `json:"sub"`
	Roles []string
}

// TestSealedEncodeAgrees: the one-pass writer of a sealed session writes
// exactly what json.Marshal writes (what stores and anonymous cookies held
// before it), for sessions with and without a user, id, generation,
// tokens, data, flash values, extra user fields and hostile strings, and
// refuses what encoding/json refuses.
func TestSealedEncodeAgrees(t *testing.T) {
	at := time.UnixMilli(1_767_139_200_123)
	hostile := "<b>\"&'\u2028\x00\xff" + strings.Repeat("é", 3)
	users := []User{
		{ID: "u_1"},
		{ID: "u_2", Email: "a@example.com", Name: hostile, Image: "https://x/y.png",
			Extra: map[string]any{"role": "admin", "n": 3.5, "list": []any{"a", 1.0, nil}, "nested": map[string]any{"z": true, "a": hostile}}},
	}
	data := []Data{nil, {}, {"views": json.RawMessage(`3`), "theme": json.RawMessage(`"<b>\u2028"`), "cart": json.RawMessage(`[{"id":"p1"}]`)}}
	for _, u := range users {
		for _, d := range data {
			for _, anon := range []bool{false, true} {
				for _, withID := range []bool{false, true} {
					s := Session[User]{ID: "Jx2n8bQe0xk1V3dq4mWcTg", User: u, AccessToken: hostile, CreatedAt: at,
						LastActivity: at.Add(time.Minute), ExpiresAt: at.Add(time.Hour), Data: d, Transient: withID, gen: 7}
					if withID {
						s.RefreshToken, s.Flash = "rt", Data{"notice": json.RawMessage(`"saved"`)}
					}
					compareSealed(t, &s, anon, withID)
				}
			}
		}
	}
	c := Session[customUser]{User: customUser{Sub: "s", Roles: []string{"a"}}, CreatedAt: at, ExpiresAt: at}
	compareSealed(t, &c, false, true)
	bad := Session[User]{User: User{ID: "u", Extra: map[string]any{"nan": math.NaN()}}, CreatedAt: at, ExpiresAt: at}
	if _, err := encodeSealed(&bad, false, false); err == nil {
		t.Error("a NaN in the user: encoded, want encoding/json's refusal")
	}
}

// compareSealed checks encodeSealed(s) against json.Marshal of the same
// sealedJSON.
func compareSealed[U any](t *testing.T, s *Session[U], anon, withID bool) {
	t.Helper()
	got, err := encodeSealed(s, anon, withID)
	if err != nil {
		t.Fatalf("encodeSealed: %v", err)
	}
	j := sealedJSON[U]{AccessToken: s.AccessToken, RefreshToken: s.RefreshToken, ExpiresAt: s.ExpiresAt.UnixMilli(),
		CreatedAt: s.CreatedAt.UnixMilli(), LastActivity: s.LastActivity.UnixMilli(), Transient: s.Transient}
	if !anon {
		j.User = &s.User
	}
	if withID {
		j.ID, j.Gen = s.ID, s.gen
	}
	if len(s.Data) > 0 || len(s.Flash) > 0 {
		j.Data = &sessionData{values: s.Data, flash: s.Flash}
	}
	want, err := json.Marshal(&j)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("anon %v, withID %v:\n got %s\nwant %s", anon, withID, got, want)
	}
}
