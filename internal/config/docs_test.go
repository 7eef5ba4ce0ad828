package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestEveryKeyIsDocumented keeps docs/configuration.md from drifting: each
// YAML key of the configuration types must appear there as `key`.
func TestEveryKeyIsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, typ := range []reflect.Type{reflect.TypeFor[File](), reflect.TypeFor[Connection](), reflect.TypeFor[ClientCertificate](),
		reflect.TypeFor[Endpoints](), reflect.TypeFor[Sync](), reflect.TypeFor[LicenseTerm]()} {
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			if !strings.Contains(doc, "`"+tag+"`") {
				t.Errorf("%s.%s: key `%s` is not in docs/configuration.md", typ.Name(), typ.Field(i).Name, tag)
			}
		}
	}
}
