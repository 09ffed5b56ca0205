package plainjson

import (
	"encoding/json"
	"strings"
	"testing"
)

// The reader's verdicts: what it accepts it reads as encoding/json does;
// everything else it refuses, for its callers to hand to encoding/json.
// The root package's FuzzClaimsJSON compares whole payloads.

func TestReaderStr(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`"abc"`, "abc", true}, {" \"caf\u00e9\"", "caf\u00e9", true}, {`"caf\u00e9"`, "", false}, {"\"caf\xc3\xa9\"", "caf\u00e9", true}, {`""`, "", true},
		{`"a\"b"`, "", false}, {`"\u0061"`, "", false}, {"\"a\tb\"", "", false}, {"\"\xff\"", "", false}, {`"abc`, "", false},
		{`abc`, "", false}, {`null`, "", false}, {``, "", false},
	}
	for _, tt := range tests {
		r := NewReader([]byte(tt.in))
		var got string
		ok := r.StrInto(&got)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("%q: got %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok {
			var ref string
			if err := json.Unmarshal([]byte(tt.in), &ref); err != nil || ref != got {
				t.Errorf("%q: read %q, encoding/json %q, %v", tt.in, got, ref, err)
			}
		}
	}
}

func TestReaderInt64(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{`0`, 0, true}, {`-0`, 0, true}, {` 17`, 17, true}, {`-17`, -17, true},
		{`9223372036854775807`, 1<<63 - 1, true}, {`-9223372036854775808`, -1 << 63, true},
		{`9223372036854775808`, 0, false}, {`-9223372036854775809`, 0, false}, {`99999999999999999999`, 0, false},
		{`01`, 0, false}, {`1.0`, 0, false}, {`1e3`, 0, false}, {`1E3`, 0, false}, {`-`, 0, false}, {``, 0, false}, {`"1"`, 0, false},
	}
	for _, tt := range tests {
		r := NewReader([]byte(tt.in))
		got, ok := r.Int64()
		if ok != tt.ok || got != tt.want {
			t.Errorf("%q: got %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReaderBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, " false": false} {
		r := NewReader([]byte(in))
		var got bool
		if !r.BoolInto(&got) || got != want || !r.End() {
			t.Errorf("%q: got %v, want %v", in, got, want)
		}
	}
	for _, in := range []string{"tru", "null", "1", ""} {
		r := NewReader([]byte(in))
		var v bool
		if r.BoolInto(&v) {
			t.Errorf("%q: got accepted", in)
		}
	}
}

// TestReaderObject: an object is returned whole, strings with brackets
// and escapes inside it included; one nesting deeper than the bound is
// refused, so no decoder is handed it.
func TestReaderObject(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{`{}`, 1, `{}`},
		{` {"a":[1,{"b":"}]\""}]} ,`, 3, `{"a":[1,{"b":"}]\""}]}`},
		{`{"a":[1,{"b":2}]}`, 2, ""},
		{`{"a":{"b":{}}}`, 3, `{"a":{"b":{}}}`},
		{`{"a":{"b":{}}}`, 2, ""},
		{`{"a":1`, 5, ""},
		{`[1]`, 5, ""},
		{`"x"`, 5, ""},
		{strings.Repeat(`{"a":`, 4000) + "1" + strings.Repeat("}", 4000), MaxDepth, ""},
	}
	for _, tt := range tests {
		r := NewReader([]byte(tt.in))
		got, ok := r.Object(tt.max)
		if ok != (tt.want != "") || string(got) != tt.want {
			t.Errorf("%.40q (max %d): got %q, %v; want %q", tt.in, tt.max, got, ok, tt.want)
		}
	}
}

// TestReaderMembers reads an object member by member, as the claims
// reader does.
func TestReaderMembers(t *testing.T) {
	r := NewReader([]byte(` { "a" : "x" , "b" : 2 } `))
	var got []string
	if !r.Consume('{') {
		t.Fatal("no object")
	}
	for more := true; more; {
		k, ok := r.Key()
		if !ok {
			t.Fatalf("key %d: refused", len(got))
		}
		got = append(got, string(k))
		if string(k) == "a" {
			var s string
			ok = r.StrInto(&s)
		} else {
			_, ok = r.Int64()
		}
		if !ok {
			t.Fatalf("value of %s refused", k)
		}
		if more, ok = r.Next(); !ok {
			t.Fatalf("separator after %s refused", k)
		}
	}
	if !r.End() || strings.Join(got, ",") != "a,b" {
		t.Errorf("got keys %q, end %v", got, r.End())
	}
	for _, in := range []string{`{"a" "x"}`, `{"a":"x" "b":1}`, `{"a":"x"]`} {
		r := NewReader([]byte(in))
		r.Consume('{')
		var s string
		_, kok := r.Key()
		vok := kok && r.StrInto(&s)
		if _, ok := r.Next(); kok && vok && ok {
			t.Errorf("%q: got accepted", in)
		}
	}
}
