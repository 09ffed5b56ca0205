package authsession

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession/internal/plainjson"
)

// The one-pass JSON readers (formats_claimsjson.go and User's methods, over
// internal/plainjson's reader) against encoding/json and a reference User
// decoder built on it.

// plainUserType is a custom user type of plain data, decoded through
// encoding/json inside the claims.
type plainUserType struct {
	ID   string `json:"id"`
	Age  int    `json:"age,omitempty"`
	Tags string `json:"tags"`
}

// referenceUser is User.UnmarshalJSON by encoding/json alone: the object
// as raw members, the fixed fields through a struct,
// every other member decoded on its own into Extra.
func referenceUser(b []byte) (User, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return User{}, err
	}
	var f userFields
	if err := json.Unmarshal(b, &f); err != nil {
		return User{}, err
	}
	u := User{ID: f.ID, Email: f.Email, Name: f.Name, Image: f.Image}
	for k, raw := range all {
		switch k {
		case "id", "email", "name", "image":
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return User{}, err
		}
		if u.Extra == nil {
			u.Extra = map[string]any{}
		}
		u.Extra[k] = v
	}
	return u, nil
}

// referenceMarshalUser is User.MarshalJSON by encoding/json alone:
// json.Marshal of the fixed fields, then Extra merged in.
func referenceMarshalUser(u User) ([]byte, error) {
	base, err := json.Marshal(userFields{u.ID, u.Email, u.Name, u.Image})
	if err != nil || len(u.Extra) == 0 {
		return base, err
	}
	extra := map[string]any{}
	for k, v := range u.Extra {
		switch k {
		case "id", "email", "name", "image":
			continue
		}
		extra[k] = v
	}
	if len(extra) == 0 {
		return base, nil
	}
	rest, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	return append(append(base[:len(base)-1:len(base)-1], ','), rest[1:]...), nil
}

// claimsAgree checks every reader on b against its reference.
func claimsAgree(t *testing.T, b []byte) {
	t.Helper()
	checkClaimsJSON[User](t, b)
	checkClaimsJSON[plainUserType](t, b)
	checkClaimsJSON[map[string]any](t, b)

	var got User
	gotErr := got.UnmarshalJSON(b)
	if !plainjson.WithinDepth(b, plainjson.MaxDepth) {
		if !errors.Is(gotErr, ErrInvalidData) {
			t.Fatalf("%.60q, nesting deeper than %d levels: User.UnmarshalJSON: got %v, want ErrInvalidData", b, plainjson.MaxDepth, gotErr)
		}
		return
	}
	want, wantErr := referenceUser(b)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q: User.UnmarshalJSON: %v, reference: %v", b, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: User.UnmarshalJSON: %#v, reference: %#v", b, got, want)
	}
	gotJSON, gotErr := got.MarshalJSON()
	wantJSON, wantErr := referenceMarshalUser(got)
	if (gotErr == nil) != (wantErr == nil) || string(gotJSON) != string(wantJSON) {
		t.Fatalf("%#v: MarshalJSON: %s, %v; reference: %s, %v", got, gotJSON, gotErr, wantJSON, wantErr)
	}
}

// checkClaimsJSON compares tokenClaims[U].UnmarshalJSON with encoding/json
// decoding into a zero rawTokenClaims[U]; claims nesting deeper than
// plainjson.MaxDepth, which encoding/json would decode, are refused.
func checkClaimsJSON[U any](t *testing.T, b []byte) {
	t.Helper()
	var got tokenClaims[U]
	gotErr := got.UnmarshalJSON(b)
	if !plainjson.WithinDepth(b, plainjson.MaxDepth) {
		if !errors.Is(gotErr, errClaimsTooDeep) {
			t.Fatalf("%.60q as %T, nesting deeper than %d levels: got %v, want errClaimsTooDeep", b, got, plainjson.MaxDepth, gotErr)
		}
		return
	}
	var want rawTokenClaims[U]
	wantErr := json.Unmarshal(b, &want)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q as %T: one pass: %v, encoding/json: %v", b, got, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, tokenClaims[U](want)) {
		t.Fatalf("%q as %T: one pass: %+v, encoding/json: %+v", b, got, got, want)
	}
}

var claimsSeeds = []string{
	oauthSessionJSON, testSessionJSON,
	`{"user":{"id":"u1"},"iat":1767139200,"exp":1767225600,"jti":"j1"}`,
	`{"user":{"id":"u1","email":"a@b","name":"N","image":"https://x/y.png"},"accessToken":"at","refreshToken":"rt","expiresAt":1767225600000,"expiryDate":"2026-01-01T00:00:00.000Z","createdAt":1767139200000,"lastActivity":1767139200000,"iat":1767139200,"exp":1767225600,"nbf":1767139200,"jti":"j1"}`,
	` { "user" : { "id" : "u1" } , "iat" : 1 , "jti" : "j" } `,
	`{}`, `{ }`, `[]`, `null`, `""`, `1`, `{`, `{"user":}`, `{"user":{"id":"u1"}`, `{"user":{"id":"u1"}}}`, `{"user":{"id":"u1"}} x`,
	`{"user":{"id":"u1","id":"u2"}}`, `{"jti":"a","jti":"b"}`, `{"user":{"id":"a"},"user":{"name":"b"}}`,
	`{"USER":{"id":"u1"}}`, `{"Jti":"x","jti":"y"}`, `{"user":{"ID":"x"}}`, `{"user":{"Id":"x","id":"y"}}`, `{"user":{"id":"y","ID":"x"}}`,
	`{"user":{"id":"a\"b"}}`, `{"user":{"id":"\u0061"}}`, `{"jti":"\ud800"}`, `{"jti":"caf\u00e9"}`, "{\"jti\":\"caf\xc3\xa9\"}", "{\"jti\":\"\xff\"}", "{\"user\":{\"id\":\"\xff\"}}",
	"{\"jti\":\"a\tb\"}", `{"user":{"id":"<&>"}}`, `{"user":{"id":"\u2028"}}`,
	`{"iat":-0}`, `{"iat":0}`, `{"iat":01}`, `{"iat":1.0}`, `{"iat":1e3}`, `{"iat":-1}`, `{"iat":9223372036854775807}`, `{"iat":9223372036854775808}`,
	`{"iat":-9223372036854775808}`, `{"iat":-9223372036854775809}`, `{"iat":99999999999999999999}`, `{"iat":null}`, `{"iat":"1"}`, `{"iat":true}`, `{"iat":-}`, `{"iat":1-}`,
	`{"jti":null}`, `{"jti":1}`, `{"accessToken":""}`, `{"user":null}`, `{"user":[]}`, `{"user":"u1"}`, `{"user":{}}`, `{"user":{"id":null}}`, `{"user":{"id":1}}`,
	`{"user":{"id":"u1","role":"admin","permissions":["a","b"],"n":1,"nested":{"a":[1,{"b":null}]}}}`, `{"user":{"id":"u1","x":1e400}}`,
	`{"user":{"id":"u1","s":"}{][\""}}`, `{"user":{"id":"u1","s":"\\"}}`, `{"user":{"id":"u1"},"other":1}`, `{"user":{"id":"u1","age":5,"tags":"t"}}`,
	`{"user":{"id":"u1","age":5.5}}`, `{"user":{"a":{"b":{"c":{}}}}}`, `{"user":{"id":"u1"}, "jti":"j",}`, `{,"jti":"j"}`, `{"jti" "j"}`, `{"jti":"j" "iat":1}`,
	`{"user":{"id":"u1"},"data":{"cart":"c1","n":[1,2]},"transient":true,"jti":"j"}`, `{"data":{"_flash":{"msg":"hi"}}}`, `{"data":{"_flash":1}}`,
	`{"data":null}`, `{"data":[]}`, `{"data":{}}`, `{"transient":false}`, `{"transient":null}`, `{"transient":1}`, `{"transient":tru}`, `{"transient":truex}`,
	`{"data":{"a":1},"data":{"b":2}}`, `{"transient":true,"transient":false}`,
	`{"user":{"id":"u1"},"iat":1,"exp":2,"jti":"j","gen":3}`, `{"gen":0}`, `{"gen":-1}`, `{"gen":1.5}`, `{"gen":"1"}`, `{"gen":null}`,
	`{"gen":9007199254740993}`, `{"gen":1,"gen":2}`,
	// Nesting at the limit, one level over it (in the user, the data, a
	// member the reader does not know) and far over it.
	`{"user":{"id":"u1","x":` + strings.Repeat("[", plainjson.MaxDepth-2) + strings.Repeat("]", plainjson.MaxDepth-2) + `}}`,
	`{"user":{"id":"u1","x":` + strings.Repeat("[", plainjson.MaxDepth-1) + strings.Repeat("]", plainjson.MaxDepth-1) + `}}`,
	`{"data":{"a":` + strings.Repeat("[", plainjson.MaxDepth-1) + strings.Repeat("]", plainjson.MaxDepth-1) + `}}`,
	`{"other":` + strings.Repeat("[", plainjson.MaxDepth) + strings.Repeat("]", plainjson.MaxDepth) + `}`,
	`{"user":{"id":"u1","x":` + strings.Repeat(`{"a":`, 3000) + "1" + strings.Repeat("}", 3000) + `}}`,
}

// TestClaimsJSONAgrees is FuzzClaimsJSON's seeds as a plain test.
func TestClaimsJSONAgrees(t *testing.T) {
	for _, s := range claimsSeeds {
		claimsAgree(t, []byte(s))
	}
}

// FuzzClaimsJSON checks the one-pass readers against encoding/json and the
// reference User decoding on any input, and User.MarshalJSON against the
// reference encoding on whatever decodes.
func FuzzClaimsJSON(f *testing.F) {
	for _, s := range claimsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		claimsAgree(t, b)
	})
}

// TestClaimKeysMatchTheStruct: readClaims knows every member of
// tokenClaims under its JSON name, so a member added to the claims is
// either taught to it or sends every token carrying it to encoding/json
// (this test fails until the list is updated).
func TestClaimKeysMatchTheStruct(t *testing.T) {
	var names []string
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			names = append(names, name)
		}
	}
	walk(reflect.TypeFor[tokenClaims[User]]())
	if !reflect.DeepEqual(names, claimKeys[:]) {
		t.Errorf("tokenClaims members %q, readClaims knows %q", names, claimKeys)
	}
}

func TestUserJSONRoundTrip(t *testing.T) {
	users := []User{
		{ID: "u1"},
		{ID: "u1", Email: "a@example.com", Name: "Ada", Image: "https://x/a.png?s=96&v=4"},
		{ID: `q"\`, Name: "<b>\u2028\x01", Email: "caf\u00e9"},
		{ID: "u1", Extra: map[string]any{"role": "admin", "id": "ignored", "perms": []any{"a", 1.5, nil, true}}},
		{ID: "u1", Extra: map[string]any{}},
		{ID: "u1", Extra: map[string]any{"id": "only fixed keys"}},
	}
	for _, u := range users {
		b, err := u.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := referenceMarshalUser(u)
		if string(b) != string(want) {
			t.Errorf("%#v: got %s, want %s", u, b, want)
		}
		claimsAgree(t, b)
	}
}

// TestExpiryDate: the direct formatter writes what time.Format writes
// with expiryDateLayout, for times across and beyond four-digit years, in
// other zones, and at every millisecond boundary.
func TestExpiryDate(t *testing.T) {
	times := []time.Time{
		{}, time.Unix(0, 0), time.Unix(1767225600, 0), time.Unix(1767225600, 999_999_999), time.Unix(1767225600, 1_000_000),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 1, 30, 0, 5, time.FixedZone("UTC+14", 14*3600)),
		time.UnixMilli(1 << 50), time.UnixMilli(-1 << 50),
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		times = append(times, time.Unix(rng.Int64N(1<<36)-1<<35, rng.Int64N(1e9)))
	}
	for _, tm := range times {
		if got, want := expiryDate(tm), tm.UTC().Format(expiryDateLayout); got != want {
			t.Fatalf("%v: got %q, want %q", tm, got, want)
		}
	}
}
