package authsession

import (
	"encoding/json"
	"math"
	"reflect"
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
// what json.Marshal writes (what stores and anonymous cookies held before
// it), byte for byte but for invalid UTF-8, which it writes as the escape
// \ufffd as Go 1.26's encoding/json and the token claims' writer do
// (sameJSON), for sessions with and without a user, id, generation,
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
	if !sameJSON(got, want) { // byte for byte, but for \ufffd (sameJSON)
		t.Errorf("anon %v, withID %v:\n got %s\nwant %s", anon, withID, got, want)
	}
}

// TestSealedDecodeAgrees: the one-pass reader of a sealed session decodes
// what encoding/json decodes (the same session, the same refusals), for
// what encodeSealed writes and for JSON it never writes: members unknown,
// repeated, out of order or spelled in another case, null values,
// escaped strings, unusual numbers, deep data.
func TestSealedDecodeAgrees(t *testing.T) {
	at := time.UnixMilli(1_767_139_200_123)
	hostile := "<b>\"&'\u2028\x00\xff" + strings.Repeat("é", 3)
	var inputs []string
	users := []User{{ID: "u_1"}, {ID: "u_2", Email: "a@example.com", Name: "N", Image: "https://x/i.png"},
		{ID: "u_3", Email: "a@example.com", Name: hostile, Extra: map[string]any{"role": "admin"}}}
	for _, u := range users {
		for _, d := range []Data{nil, {"views": json.RawMessage(`3`), "cart": json.RawMessage(`[{"id":"p1"}]`)}} {
			for _, anon := range []bool{false, true} {
				s := Session[User]{ID: "Jx2n8bQe0xk1V3dq4mWcTg", User: u, AccessToken: "at", RefreshToken: "rt", CreatedAt: at,
					LastActivity: at.Add(time.Second), ExpiresAt: at.Add(time.Hour), Data: d, Flash: d, Transient: anon, gen: 3}
				if anon {
					s.RefreshToken = hostile
				}
				b, err := encodeSealed(&s, anon, true)
				if err != nil {
					t.Fatal(err)
				}
				inputs = append(inputs, string(b))
			}
		}
	}
	base := `"user":{"id":"u"},"expiresAt":1,"createdAt":2,"lastActivity":3`
	inputs = append(inputs, `{}`, `{`+base+`}`, `{"jti":"x",`+base+`,"gen":0}`, `{"gen":-0,`+base+`}`, `{"gen":-1,`+base+`}`,
		`{"gen":18446744073709551615,`+base+`}`, `{"gen":18446744073709551616,`+base+`}`, `{"gen":1.5,`+base+`}`,
		`{"gen":1e3,`+base+`}`, `{`+base+`,"jti":"a","jti":"b"}`, `{"JTI":"x",`+base+`}`, `{"other":1,`+base+`}`,
		`{"user":null,"expiresAt":1}`, `{"user":{"id":"u","id":"v"},"expiresAt":1}`, `{"user":{"ID":"u"},"expiresAt":1}`,
		`{"user":{"email":"e"},"expiresAt":1}`, `{"user":{"id":"\u0075"},"expiresAt":1}`, `{"accessToken":null,`+base+`}`,
		`{"accessToken":"a\"b",`+base+`}`, `{"transient":1,`+base+`}`, `{"transient":true,`+base+`}`, `{"data":null,`+base+`}`,
		`{"data":{"a":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`},`+base+`}`, `{"data":[],`+base+`}`,
		`{"expiresAt":01}`, `{"expiresAt":-5}`, `{"expiresAt":9223372036854775808}`, ` { "jti" : "x" } `, `{"jti":"x"} x`, `[]`, `null`, ``)
	for _, in := range inputs {
		got, gotAnon, gotErr := decodeSealed[User]([]byte(in))
		var want Session[User]
		var wantAnon bool
		j, wantErr := unmarshalSealed[User]([]byte(in))
		if wantErr == nil {
			want = Session[User]{ID: j.ID, AccessToken: j.AccessToken, RefreshToken: j.RefreshToken, ExpiresAt: time.UnixMilli(j.ExpiresAt),
				CreatedAt: time.UnixMilli(j.CreatedAt), LastActivity: time.UnixMilli(j.LastActivity), Transient: j.Transient, gen: j.Gen}
			if j.User != nil {
				want.User = *j.User
				if want.User.ID == "" {
					wantErr = ErrNoUserID
				}
			}
			if j.Data != nil {
				want.Data, want.Flash = j.Data.values, j.Data.flash
			}
			wantAnon = j.User == nil
		}
		if (gotErr != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, encoding/json's %v", in, gotErr, wantErr)
			continue
		}
		if gotErr == nil && (!reflect.DeepEqual(got, want) || gotAnon != wantAnon) {
			t.Errorf("%s:\n got %+v (anon %v)\nwant %+v (anon %v)", in, got, gotAnon, want, wantAnon)
		}
	}
}
