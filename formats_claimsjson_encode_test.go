package authsession

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession/internal/plainjson"
)

// The append-style writers (tokenClaims.appendJSON, User.appendJSON,
// sessionData.appendJSON, over internal/plainjson's) against encoding/json
// and reference encoders built on it: the bytes must be the same, and so must
// the verdict (a value encoding/json refuses is refused).

// refUser encodes a User through the reference encoder,
// referenceMarshalUser.
type refUser User

func (u refUser) MarshalJSON() ([]byte, error) { return referenceMarshalUser(User(u)) }

// refData encodes the session data by reference: the values, with the
// flash values merged in under "_flash", through json.Marshal.
type refData sessionData

func (d *refData) MarshalJSON() ([]byte, error) {
	if _, ok := d.values[flashKey]; ok {
		return nil, errFlashKey
	}
	if len(d.flash) == 0 {
		return json.Marshal(d.values)
	}
	f, err := json.Marshal(d.flash)
	if err != nil {
		return nil, err
	}
	m := make(Data, len(d.values)+1)
	maps.Copy(m, d.values)
	m[flashKey] = f
	return json.Marshal(m)
}

// refClaims is tokenClaims[User] encoded by encoding/json with the
// reference User and data encoders: the reference for appendJSON.
// TestClaimsEncodeCoversEveryClaim keeps its members those of tokenClaims.
type refClaims struct {
	User         refUser  `json:"user"`
	AccessToken  string   `json:"accessToken,omitempty"`
	RefreshToken string   `json:"refreshToken,omitempty"`
	ExpiresAt    int64    `json:"expiresAt"`
	ExpiryDate   string   `json:"expiryDate"`
	CreatedAt    int64    `json:"createdAt"`
	LastActivity int64    `json:"lastActivity"`
	Data         *refData `json:"data,omitempty"`
	Transient    bool     `json:"transient,omitempty"`
	IssuedAt     int64    `json:"iat"`
	Expiry       int64    `json:"exp"`
	NotBefore    int64    `json:"nbf,omitempty"`
	JTI          string   `json:"jti"`
	Gen          int64    `json:"gen,omitempty"`
}

func referenceEncodeClaims(c *tokenClaims[User]) ([]byte, error) {
	return json.Marshal(&refClaims{
		User: refUser(c.User), AccessToken: c.AccessToken, RefreshToken: c.RefreshToken,
		ExpiresAt: c.ExpiresAt, ExpiryDate: c.ExpiryDate, CreatedAt: c.CreatedAt, LastActivity: c.LastActivity,
		Data: (*refData)(c.Data), Transient: c.Transient,
		IssuedAt: c.IssuedAt, Expiry: c.Expiry, NotBefore: c.NotBefore, JTI: c.JTI, Gen: c.Gen,
	})
}

// jsonEscapesInvalidUTF8 tells whether this toolchain's encoding/json
// writes a byte of invalid UTF-8 as the escape \ufffd (Go 1.26 and
// earlier) or, from Go 1.27, as the character U+FFFD itself.
var jsonEscapesInvalidUTF8 = func() bool {
	b, _ := json.Marshal("\xff")
	return string(b) == `"\ufffd"`
}()

// sameJSON reports whether got, the writers' output, is want, what
// encoding/json writes: byte for byte, except that where this toolchain's
// encoding/json writes invalid UTF-8 as the character U+FFFD, got may
// have the escape \ufffd that the writers keep (internal/plainjson): the two
// read back the same, and the writers' tokens do not depend on the
// toolchain.
func sameJSON(got, want []byte) bool {
	if bytes.Equal(got, want) || jsonEscapesInvalidUTF8 {
		return bytes.Equal(got, want)
	}
	for len(got) > 0 && len(want) > 0 {
		switch {
		case bytes.HasPrefix(got, []byte(`\ufffd`)) && bytes.HasPrefix(want, []byte("\uFFFD")):
			got, want = got[6:], want[3:]
		case got[0] == want[0]:
			got, want = got[1:], want[1:]
		default:
			return false
		}
	}
	return len(got) == 0 && len(want) == 0
}

// encodeAgrees checks encodeSessionClaims and the claims' appendJSON on c
// against the reference, and the claims for other user types against
// json.Marshal.
func encodeAgrees(t *testing.T, c *tokenClaims[User]) {
	t.Helper()
	want, wantErr := referenceEncodeClaims(c)
	// Into a buffer used before, as encode reuses them.
	got, gotErr := encodeSessionClaims([]byte(`{"user":{"id":"a previous session"}}`)[:0], c)
	if (gotErr == nil) != (wantErr == nil) || !sameJSON(got, want) {
		t.Fatalf("%+v:\n got %s, %v\nwant %s, %v", c, got, gotErr, want, wantErr)
	}
	if errors.Is(wantErr, ErrInvalidData) && !errors.Is(gotErr, ErrInvalidData) {
		t.Fatalf("%+v: error %v, want ErrInvalidData as the reference's %v", c, gotErr, wantErr)
	}
	if appended, err := c.appendJSON([]byte("prefix")); (err == nil) != (wantErr == nil) ||
		err == nil && !sameJSON(appended, append([]byte("prefix"), want...)) {
		t.Fatalf("%+v: appendJSON %s, %v; want prefix%s", c, appended, err, want)
	}
	if wantErr == nil {
		u, err := c.User.MarshalJSON()
		wantUser, _ := referenceMarshalUser(c.User)
		if err != nil || !sameJSON(u, wantUser) {
			t.Fatalf("%+v: User.MarshalJSON %s, %v; want %s", c.User, u, err, wantUser)
		}
	}

	// The fallback for other user types is json.Marshal itself.
	other := &tokenClaims[map[string]any]{sessionJSON: sessionJSON[map[string]any]{User: c.User.Extra, ExpiryDate: c.ExpiryDate, Data: c.Data}, JTI: c.JTI}
	gotOther, gotErr := encodeSessionClaims(nil, other)
	wantOther, wantErr := json.Marshal((*rawTokenClaims[map[string]any])(other))
	if (gotErr == nil) != (wantErr == nil) || !sameJSON(gotOther, wantOther) {
		t.Fatalf("%+v:\n got %s, %v\nwant %s, %v", other, gotOther, gotErr, wantOther, wantErr)
	}
}

// ptrMarshalUser encodes itself only through a pointer, which
// encoding/json calls on the addressable field of the claims.
type ptrMarshalUser struct{ ID string }

func (u *ptrMarshalUser) MarshalJSON() ([]byte, error) {
	return []byte(` { "id" : "` + u.ID + `<" } `), nil
}

func TestClaimsEncodeCustomUser(t *testing.T) {
	c := &tokenClaims[ptrMarshalUser]{sessionJSON: sessionJSON[ptrMarshalUser]{User: ptrMarshalUser{ID: "u1"}}, JTI: "j"}
	got, err := encodeSessionClaims(nil, c)
	want, wantErr := json.Marshal((*rawTokenClaims[ptrMarshalUser])(c))
	if err != nil || wantErr != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %s, %v; want %s, %v", got, err, want, wantErr)
	}
	if !strings.Contains(string(got), `"user":{"id":"u1\u003c"}`) {
		t.Fatalf("the pointer method's output was not used, compacted and escaped: %s", got)
	}
}

// jsonTricky are strings encoding/json escapes in every way it has.
var jsonTricky = []string{
	"", "plain", `q"b\s/`, "<script>&amp;</script>", "\x00\x01\x07\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f\x7f",
	"caf\u00e9 \u65e5\u672c \U0001F600", "\u2028\u2029\u2027\u202a", "\xff", "a\xc3", "\xe2\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xc0\xaf", "ok\xffok\xfe", strings.Repeat("x<", 100),
}

func testClaims() *tokenClaims[User] {
	return &tokenClaims[User]{
		sessionJSON: sessionJSON[User]{
			User:        User{ID: "u1", Email: "ada@example.com", Name: "Ada", Image: "https://x/a.png?s=96&v=4"},
			AccessToken: "at", RefreshToken: "rt", ExpiresAt: 1767225600000, ExpiryDate: "2026-01-01T00:00:00.000Z",
			CreatedAt: 1767139200000, LastActivity: 1767139200001,
		},
		IssuedAt: 1767139200, Expiry: 1767225600, JTI: "j1",
	}
}

func TestClaimsEncodeAgrees(t *testing.T) {
	encodeAgrees(t, &tokenClaims[User]{})
	encodeAgrees(t, testClaims())
	for _, s := range jsonTricky {
		c := testClaims()
		c.User = User{ID: s, Email: s, Name: s, Image: s, Extra: map[string]any{s: s, "k" + s: []any{s}}}
		c.AccessToken, c.RefreshToken, c.ExpiryDate, c.JTI = s, s, s, s
		c.Data = &sessionData{values: Data{s: json.RawMessage(`"` + s + `"`)}, flash: Data{s: json.RawMessage(`1`)}}
		encodeAgrees(t, c)
	}
	for _, extra := range []map[string]any{
		nil, {}, {"id": "x", "email": "y", "name": "z", "image": "w"}, {"role": "admin"},
		{"n": 1.5, "i": 7, "i64": int64(-9), "f": 1e21, "g": 1e-7, "h": 123456789.0, "z": math.Copysign(0, -1), "big": 1e300, "small": 5e-324},
		{"nil": nil, "t": true, "f": false, "arr": []any{}, "nilarr": []any(nil), "obj": map[string]any{}, "nilobj": map[string]any(nil)},
		{"strs": []string{"a", "<"}, "nilstrs": []string(nil), "deep": map[string]any{"a": []any{map[string]any{"b": []any{1.0, nil}}}}},
		{"time": time.Unix(0, 0).UTC(), "raw": json.RawMessage(` [1, 2] `), "u8": uint8(3), "ptr": &User{ID: "p"}},
		{"nan": math.NaN()}, {"inf": math.Inf(1)}, {"ch": make(chan int)}, {"nested": []any{math.Inf(-1)}},
	} {
		c := testClaims()
		c.User.Extra = extra
		encodeAgrees(t, c)
	}
	// Deeper than the writers' own recursion, which hands such values to
	// encoding/json.
	deep := any("leaf")
	for range plainjson.MaxDepth {
		deep = []any{map[string]any{"d": deep}}
	}
	c := testClaims()
	c.User.Extra = map[string]any{"deep": deep}
	encodeAgrees(t, c)

	for _, d := range []*sessionData{
		{}, {values: Data{}}, {flash: Data{}}, {values: Data{"a": json.RawMessage(`1`)}},
		{values: Data{"cart": json.RawMessage(`{"items":[1,2],"note":"<b>"}`)}, flash: Data{"msg": json.RawMessage(`"saved"`)}},
		{flash: Data{"msg": json.RawMessage(`"only flash"`), "_flash": json.RawMessage(`2`)}},
		{values: Data{"ws": json.RawMessage(" { \"a\" :\n1 } "), "html": json.RawMessage(`"&"`), "ls": json.RawMessage("\"\u2028\""), "e2": json.RawMessage("\"\u20ac\"")}},
		{values: Data{"nil": nil, "bad": json.RawMessage(`{`)}}, {values: Data{"bad": json.RawMessage(`1 2`)}},
		{values: Data{"_flash": json.RawMessage(`1`)}}, {values: Data{"_flash": json.RawMessage(`1`)}, flash: Data{"m": json.RawMessage(`1`)}},
		{values: Data{"a": json.RawMessage(`1`)}, flash: Data{"b": json.RawMessage(`x`)}},
	} {
		c := testClaims()
		c.Data = d
		encodeAgrees(t, c)
	}
	for _, n := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 1 << 53} {
		c := testClaims()
		c.ExpiresAt, c.CreatedAt, c.LastActivity, c.IssuedAt, c.Expiry, c.NotBefore, c.Gen = n, n, n, n, n, n, n
		c.Transient = n != 0
		encodeAgrees(t, c)
	}
}

// TestClaimsEncodeCoversEveryClaim: appendJSON writes every member of
// tokenClaims under its JSON name when all are set, and refClaims (the
// reference) has the same members, so a claim added to the struct and
// not to the encoder fails here.
func TestClaimsEncodeCoversEveryClaim(t *testing.T) {
	c := &tokenClaims[User]{}
	var names []string
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		for i := range v.NumField() {
			f, sf := v.Field(i), v.Type().Field(i)
			if sf.Anonymous {
				fill(f)
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			names = append(names, name)
			switch f.Kind() {
			case reflect.String:
				f.SetString("x")
			case reflect.Int64:
				f.SetInt(7)
			case reflect.Bool:
				f.SetBool(true)
			case reflect.Pointer:
				f.Set(reflect.ValueOf(&sessionData{values: Data{"a": json.RawMessage(`1`)}}))
			case reflect.Struct:
				f.Set(reflect.ValueOf(User{ID: "u"}))
			default:
				t.Fatalf("member %s of kind %s: teach this test and appendJSON", sf.Name, f.Kind())
			}
		}
	}
	fill(reflect.ValueOf(c).Elem())
	b, err := c.appendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var written []string
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not an object", b)
	}
	for dec.More() {
		tok, _ := dec.Token()
		written = append(written, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(written, names) {
		t.Errorf("appendJSON writes %q, tokenClaims has %q", written, names)
	}
	var refNames []string
	rt := reflect.TypeFor[refClaims]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		refNames = append(refNames, name)
	}
	if !reflect.DeepEqual(refNames, names) {
		t.Errorf("refClaims has %q, tokenClaims %q", refNames, names)
	}
	encodeAgrees(t, c)
}

// FuzzClaimsEncode builds claims from the fuzzer's strings and numbers
// (Extra and the data values from JSON it supplies, which gives every
// kind a decoded session holds) and checks the encoders against the
// reference.
func FuzzClaimsEncode(f *testing.F) {
	f.Add("u1", "a@b", "Ada", "https://x/a.png", "at", "rt", "2026-01-01T00:00:00.000Z", "j1",
		int64(1767225600000), int64(1767139200), int64(0), true, 1.5,
		[]byte(`{"role":"admin","n":[1,2.5,null,true,{"a":"<"}]}`), []byte(`{"cart":{"items":[1]}," x":" y "}`), []byte(`{"msg":"saved"}`))
	f.Add("\xff", "\u2028", "<&>", "\x00", "", "", "", "", int64(-1), int64(math.MaxInt64), int64(math.MinInt64), false, 1e21,
		[]byte(`{"id":"dup","\u00e9":1e-7}`), []byte(`{"_flash":1}`), []byte(`{}`))
	f.Add("", "", "", "", "", "", "", "", int64(0), int64(0), int64(0), false, math.Inf(1), []byte(`null`), []byte(`[]`), []byte(`x`))
	f.Fuzz(func(t *testing.T, id, email, name, image, at, rt, expiryDate, jti string, ms, sec, gen int64, transient bool, num float64, extraJSON, dataJSON, flashJSON []byte) {
		var extra map[string]any
		_ = json.Unmarshal(extraJSON, &extra)
		if extra != nil {
			extra["num"] = num
			extra["s"] = []any{id, email, num}
		}
		var data *sessionData
		var values, flash Data
		vErr := json.Unmarshal(dataJSON, &values)
		fErr := json.Unmarshal(flashJSON, &flash)
		if vErr == nil || fErr == nil {
			data = &sessionData{values: values, flash: flash}
		}
		c := &tokenClaims[User]{
			sessionJSON: sessionJSON[User]{
				User:        User{ID: id, Email: email, Name: name, Image: image, Extra: extra},
				AccessToken: at, RefreshToken: rt, ExpiresAt: ms, ExpiryDate: expiryDate, CreatedAt: ms - sec, LastActivity: ms + gen,
				Data: data, Transient: transient,
			},
			IssuedAt: sec, Expiry: sec + gen, NotBefore: gen, JTI: jti, Gen: gen,
		}
		encodeAgrees(t, c)
	})
}
