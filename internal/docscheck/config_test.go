package docscheck

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// constants are the named values a default may be written as.
var constants = map[string]any{
	"RouteHybrid":          authsession.RouteHybrid,
	"RouteAuth":            authsession.RouteAuth,
	"RoutePublic":          authsession.RoutePublic,
	"FormatDefault":        authsession.FormatDefault,
	"StorageCookie":        authsession.StorageCookie,
	"StorageServer":        authsession.StorageServer,
	"http.SameSiteLaxMode": http.SameSiteLaxMode,
}

var (
	tableRow    = regexp.MustCompile("(?m)^\\| `([A-Z][A-Za-z.]*)` \\| ([^|]*) \\|")
	leadingCode = regexp.MustCompile("^`([^`]*)`")
)

// TestConfigurationDefaults: docs/configuration.md has a row for every
// field of Config and CookieConfig, and every default cell that starts
// with code (`168h`, `"session"`, `false`, `StorageCookie`) holds the value
// NextAuthSession resolves the zero field to.
func TestConfigurationDefaults(t *testing.T) {
	d := readDoc(t, "docs/configuration.md")
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "docs-check-secret-0123456789abcdefghij",
	})
	if err != nil {
		t.Fatal(err)
	}
	resolved := reflect.ValueOf(auth.Config)
	rows := map[string]string{}
	for _, m := range tableRow.FindAllStringSubmatch(d.text, -1) {
		rows[m[1]] = m[2]
	}
	checked := 0
	for _, name := range fieldNames(resolved.Type(), "") {
		cell, ok := rows[name]
		if !ok {
			t.Errorf("docs/configuration.md: no row for Config.%s", name)
			continue
		}
		code := leadingCode.FindStringSubmatch(cell)
		if code == nil {
			continue // described in words: "none", "read from $SESSION_SECRET"
		}
		v := resolved.FieldByIndex(fieldIndex(resolved.Type(), name))
		if err := sameValue(v, code[1]); err != nil {
			t.Errorf("docs/configuration.md: %s: default %s: %v", name, code[0], err)
			continue
		}
		checked++
	}
	t.Logf("%d defaults in docs/configuration.md are the resolved configuration's", checked)
	if checked < 20 {
		t.Errorf("checked %d defaults, want the table's", checked)
	}
}

// fieldNames returns the exported fields of t, with CookieConfig's
// fields as Cookie.Name and so on.
func fieldNames(t reflect.Type, prefix string) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Type == reflect.TypeOf(authsession.CookieConfig{}) {
			names = append(names, fieldNames(f.Type, prefix+f.Name+".")...)
			continue
		}
		names = append(names, prefix+f.Name)
	}
	return names
}

func fieldIndex(t reflect.Type, name string) []int {
	var index []int
	for _, part := range strings.Split(name, ".") {
		f, _ := t.FieldByName(part)
		index = append(index, f.Index...)
		t = f.Type
	}
	return index
}

// sameValue reports whether the Go value written as code is v.
func sameValue(v reflect.Value, code string) error {
	if c, ok := constants[code]; ok {
		if reflect.ValueOf(c).Convert(v.Type()).Interface() != v.Interface() {
			return fmt.Errorf("resolved %v", v.Interface())
		}
		return nil
	}
	var want any
	var err error
	switch {
	case v.Type() == reflect.TypeOf(time.Duration(0)):
		want, err = time.ParseDuration(code)
	case v.Kind() == reflect.Int:
		var n int
		n, err = strconv.Atoi(code)
		want = n
	case v.Kind() == reflect.Bool:
		want, err = strconv.ParseBool(code)
	case v.Kind() == reflect.String:
		var s string
		s, err = strconv.Unquote(code)
		want = reflect.ValueOf(s).Convert(v.Type()).Interface()
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		if got := fmt.Sprintf("%#v", v.Interface()); got != code {
			return fmt.Errorf("resolved %s", got)
		}
		return nil
	default:
		return fmt.Errorf("a %s default cannot be checked: describe it in words", v.Type())
	}
	if err != nil {
		return fmt.Errorf("not a Go value of type %s: %v", v.Type(), err)
	}
	if want != v.Interface() {
		if v.Kind() == reflect.String {
			return fmt.Errorf("resolved %q", v.Interface())
		}
		return fmt.Errorf("resolved %v", v.Interface())
	}
	return nil
}
