// Package docscheck holds the documentation's checks; see docs_test.go.
package docscheck
