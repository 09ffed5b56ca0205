package main

import (
	"testing"
	"time"
)

func TestFormatRemaining(t *testing.T) {
	tests := []struct {
		secs int
		want string
	}{{-5, "00:00"}, {0, "00:00"}, {59, "00:59"}, {1799, "29:59"}, {3600, "1:00:00"}, {3723, "1:02:03"}}
	for _, tt := range tests {
		if got := formatRemaining(time.Duration(tt.secs) * time.Second); got != tt.want {
			t.Errorf("formatRemaining(%ds): got %q, want %q", tt.secs, got, tt.want)
		}
	}
}
