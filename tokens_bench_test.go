package authsession_test

import (
	"testing"
	"time"

	"github.com/authsession/authsession/internal/benchdata"
)

func BenchmarkDecryptSession(b *testing.B) {
	auth := newBenchAuth(b, -1)
	tok := benchToken(b, auth)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.DecryptSession(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncryptSession(b *testing.B) {
	auth := newBenchAuth(b, -1)
	s := benchdata.Session(time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.EncryptSession(s); err != nil {
			b.Fatal(err)
		}
	}
}
