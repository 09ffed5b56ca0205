package plainjson

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// The writers against encoding/json: the bytes must be the same, and so
// must the verdict (a value encoding/json refuses is refused).

// escapesInvalidUTF8 tells whether this toolchain's encoding/json writes
// a byte of invalid UTF-8 as the escape \ufffd (Go 1.26 and earlier) or,
// from Go 1.27, as the character U+FFFD itself.
var escapesInvalidUTF8 = func() bool {
	b, _ := json.Marshal("\xff")
	return string(b) == `"\ufffd"`
}()

// sameJSON reports whether got, the writers' output, is want, what
// encoding/json writes: byte for byte, except that where this toolchain's
// encoding/json writes invalid UTF-8 as the character U+FFFD, got may
// have the escape \ufffd that the writers keep: the two read back the
// same, and the writers' output does not depend on the toolchain.
func sameJSON(got, want []byte) bool {
	if bytes.Equal(got, want) || escapesInvalidUTF8 {
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

// tricky are strings encoding/json escapes in every way it has.
var tricky = []string{
	"", "plain", `q"b\s/`, "<script>&amp;</script>", "\x00\x01\x07\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f\x7f",
	"caf\u00e9 \u65e5\u672c \U0001F600", "\u2028\u2029\u2027\u202a", "\xff", "a\xc3", "\xe2\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xc0\xaf", "ok\xffok\xfe", strings.Repeat("x<", 100),
}

func TestSafeASCII(t *testing.T) {
	for c := range 256 {
		s := string([]byte{byte(c)})
		j, _ := json.Marshal(s)
		safe := string(j) == `"`+s+`"`
		if (safeASCII[c] == '1') != safe {
			t.Errorf("byte %#x: table says safe=%c, encoding/json writes %s", c, safeASCII[c], j)
		}
	}
}

func TestAppendString(t *testing.T) {
	check := func(s string) {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("x"), s); !sameJSON(got, append([]byte("x"), want...)) {
			t.Fatalf("%q: got %s, want x%s", s, got, want)
		}
	}
	for _, s := range tricky {
		check(s)
	}
	for c := range 256 {
		check(string([]byte{byte(c)}))
		check("a" + string([]byte{byte(c)}) + "b")
	}
	for r := rune(0); r < 0x3000; r++ {
		check(string(r))
	}
}

func TestAppendFloat(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.5, 1e-6, 9.99999e-7, 1e-7, 1e20, 1e21, 1.5e21, -1e21, 123456789012345678, 5e-324,
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1e-10, 1.2345e-100, 1e100, math.Pi, 1 << 53, 1<<53 + 2} {
		want, _ := json.Marshal(f)
		if got := AppendFloat(nil, f); string(got) != string(want) {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

// valueAgrees checks AppendValue on v against json.Marshal.
func valueAgrees(t *testing.T, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, gotErr := AppendValue([]byte("p"), v, 0)
	if (gotErr == nil) != (wantErr == nil) || gotErr == nil && !sameJSON(got, append([]byte("p"), want...)) {
		t.Fatalf("%#v: got %s, %v; want p%s, %v", v, got, gotErr, want, wantErr)
	}
}

func TestAppendValue(t *testing.T) {
	deep := any("leaf")
	for range 2 * maxAppendDepth {
		deep = []any{map[string]any{"d": deep}}
	}
	for _, v := range []any{
		nil, "s", true, false, 1.5, 7, int64(-9), 1e21, 1e-7, math.Copysign(0, -1), 5e-324,
		[]any{}, []any(nil), map[string]any{}, map[string]any(nil), []string{"a", "<"}, []string(nil),
		map[string]any{"b": 1.0, "a": []any{map[string]any{"z": nil, "<": "&"}}, "": "empty key", "\xff": "bad key"},
		map[string]any{"k01": 1, "k02": 2, "k03": 3, "k04": 4, "k05": 5, "k06": 6, "k07": 7, "k08": 8, "k09": 9,
			"k10": 10, "k11": 11, "k12": 12, "k13": 13, "k14": 14, "k15": 15, "k16": 16, "k17": 17}, // more keys than the stack buffer
		time.Unix(0, 0).UTC(), json.RawMessage(` [1, 2] `), uint8(3), &struct{ A int }{1}, deep,
		math.NaN(), math.Inf(1), []any{math.Inf(-1)}, map[string]any{"ch": make(chan int)},
	} {
		valueAgrees(t, v)
	}
	for _, s := range tricky {
		valueAgrees(t, s)
		valueAgrees(t, map[string]any{s: []any{s}})
	}
}

func TestAppendMembers(t *testing.T) {
	m := map[string]any{"id": "x", "b": 2, "a": "<"}
	got, err := AppendMembers([]byte(`{"id":"u"`), m, func(k string) bool { return k == "id" }, 0, false)
	if want := `{"id":"u","a":"\u003c","b":2`; err != nil || string(got) != want {
		t.Errorf("got %s, %v; want %s", got, err, want)
	}
	got, err = AppendMembers(nil, map[string]any{"b": 1, "a": 2}, nil, 0, true)
	if want := `"a":2,"b":1`; err != nil || string(got) != want {
		t.Errorf("first member: got %s, %v; want %s", got, err, want)
	}
	if _, err := AppendMembers(nil, map[string]any{"x": math.NaN()}, nil, 0, true); err == nil {
		t.Error("NaN: got nil error, want encoding/json's")
	}
}

func TestAppendRaw(t *testing.T) {
	for _, raw := range []json.RawMessage{
		nil, json.RawMessage(`1`), json.RawMessage(`{"a":[1,2]}`), json.RawMessage(" { \"a\" :\n1 } "),
		json.RawMessage(`"&"`), json.RawMessage("\"\u2028\""), json.RawMessage("\"\u20ac\""),
		json.RawMessage(`{`), json.RawMessage(`1 2`), json.RawMessage(``), json.RawMessage(`"\ud800"`),
	} {
		want, wantErr := json.Marshal(raw)
		got, gotErr := AppendRaw(nil, raw)
		if (gotErr == nil) != (wantErr == nil) || gotErr == nil && !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, %v; want %s, %v", raw, got, gotErr, want, wantErr)
		}
	}
}
