package jwe

import (
	"encoding/base64"
	"errors"
	"testing"
)

func TestCheckHeader(t *testing.T) {
	tests := []struct {
		header  string
		wantKid string
		wantErr error
	}{
		{`{"alg":"dir","enc":"A256GCM"}`, "", nil},
		{`{"alg":"dir","enc":"A256GCM","kid":"k1"}`, "k1", nil},
		{` { "enc" : "A256GCM" , "alg" : "dir" , "kid" : "k1" , "typ" : "JWT" , "cty" : "JWT" } `, "k1", nil},
		{`{"alg":"none","enc":"A256GCM"}`, "", errHeaderAlg},
		{`{"alg":"dir","enc":"A128GCM"}`, "", errHeaderAlg},
		{`{"alg":"dir"}`, "", errHeaderAlg},
		{`{"alg":"dir","enc":"A256GCM","zip":"DEF"}`, "", errHeaderParam},
		{`{"alg":"dir","enc":"A256GCM","jku":"https://x"}`, "", errHeaderParam},
		{`{"alg":"dir","enc":"A256GCM","crit":"x"}`, "", errHeaderParam},
		{`{"alg":"dir","enc":"A256GCM","ALG":"dir"}`, "", errHeaderParam},
		{`{"alg":"dir","alg":"dir","enc":"A256GCM"}`, "", errHeader},
		{`{"alg":"dir","enc":"A256GCM","kid":null}`, "", errHeader},
		{`{"alg":"dir","enc":"A256GCM","kid":1}`, "", errHeader},
		{`{"alg":"di\u0072","enc":"A256GCM"}`, "", errHeader},
		{`{"alg":"dir","enc":"A256GCM"}x`, "", errHeader},
		{`{"alg":"dir","enc":"A256GCM",}`, "", errHeader},
		{`{"alg":"dir" "enc":"A256GCM"}`, "", errHeader},
		{`{"alg":"dir","enc":"A256GCM"`, "", errHeader},
		{`["alg","dir"]`, "", errHeader},
		{``, "", errHeader},
		{`{}`, "", errHeader},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			tok := base64.RawURLEncoding.EncodeToString([]byte(tt.header)) + "..iv.ct.tag"
			kid, err := checkHeader(tok, "A256GCM")
			if !errors.Is(err, tt.wantErr) || (tt.wantErr != nil && err == nil) || kid != tt.wantKid {
				t.Errorf("got %q, %v; want %q, %v", kid, err, tt.wantKid, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidToken) {
				t.Errorf("error %v does not wrap ErrInvalidToken", err)
			}
		})
	}
	for _, tok := range []string{"", "nodots", "%%%.x", base64.RawURLEncoding.EncodeToString(make([]byte, 600)) + ".x"} {
		if _, err := checkHeader(tok, "A256GCM"); err == nil {
			t.Errorf("checkHeader(%.20q): got nil error", tok)
		}
	}
}

func TestCanonicalBase64Tail(t *testing.T) {
	valid := base64.RawURLEncoding.EncodeToString([]byte{0xff})        // "_w"
	loose := valid[:1] + "x"                                           // same byte, unused bits set
	valid2 := base64.RawURLEncoding.EncodeToString([]byte{0xff, 0xff}) // "__8"
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"", true}, {valid, true}, {loose, false}, {valid2, true}, {valid2[:2] + "_", false}, {"abcd", true}, {"a", false}, {"a=", false},
	} {
		if got := canonicalBase64Tail(tt.s); got != tt.want {
			t.Errorf("canonicalBase64Tail(%q): got %v, want %v", tt.s, got, tt.want)
		}
	}
}
