package plainjson

import "strings"

// Share sets dst[i] to the string of src[i], for every i of src, with
// one allocation for all of them instead of one each. The price: a string
// kept longer than the others keeps their bytes alive with it. A decoder
// gathers the plain strings it reads (Str) and shares them once the whole
// input has been read.
func Share(src [][]byte, dst []string) {
	n := 0
	for _, v := range src {
		n += len(v)
	}
	var b strings.Builder
	b.Grow(n)
	for _, v := range src {
		b.Write(v)
	}
	all := b.String()
	for i, v := range src {
		if len(v) == 0 {
			dst[i] = "" // not a pointer into the shared bytes
			continue
		}
		dst[i], all = all[:len(v)], all[len(v):]
	}
}
