package msgraph

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDecodePageAgreesWithEncodingJSON(t *testing.T) {
	bodies := [][]byte{
		fixture(t, "v1.0_users_list.json", ""), fixture(t, "v1.0_groups_delta.json", ""),
		fixture(t, "v1.0_users_delta_page1_nextLink.json", ""), fixture(t, "v1.0_users_delta_changes_with_removed.json", ""),
	}
	for _, s := range []string{
		`{"value":[]}`, `{"value":null}`, `{}`, ` {"@odata.count":42,"value":[1,"two",{"a":[true,false,null]},-1.5e+3]} `,
		`{"value":[{"x":"\u00e9\n"}],"@odata.nextLink":"n","@odata.deltaLink":"d"}`,
		`{"value":[1],"value":[2]}`,
		// encoding/json's way, whatever it is: these take the slow path.
		`{"VALUE":[1]}`, `{"@odata.nextLink":"a\/b","value":[]}`, `{"@odata.count":1.5,"value":[]}`,
		`{"@odata.nextLink":null,"value":[]}`, `{"value":{}}`, `{"value":[1,]}`, `{"value":[01]}`, `{"value":["\x"]}`,
		`{"value":[]} x`, `[]`, `null`, ``,
	} {
		bodies = append(bodies, []byte(s))
	}
	fast := 0
	for _, b := range bodies {
		if _, ok := splitPage(b); ok {
			fast++
		}
		checkDecodePage(t, b)
	}
	if fast < 9 {
		t.Fatalf("only %d of %d pages took the one-pass path", fast, len(bodies))
	}
}

func checkDecodePage(t *testing.T, b []byte) {
	t.Helper()
	var want page
	werr := json.Unmarshal(b, &want)
	var got page
	gerr := decodePage(b, &got)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: decodePage error %v, encoding/json %v", b, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decodePage\n%+v\nencoding/json\n%+v", b, got, want)
	}
}

// FuzzDecodePageFast: the one-pass page split gives exactly what
// encoding/json gives, error or page, for any input.
func FuzzDecodePageFast(f *testing.F) {
	for _, name := range []string{"v1.0_users_list.json", "v1.0_groups_delta.json", "v1.0_users_delta_page1_nextLink.json"} {
		f.Add(fixture(f, name, ""))
	}
	f.Add([]byte(`{"@odata.count":3,"value":[{"a":"\ud83d\ude00"},[],{},0,-0.5E-2,true,null]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecodePage(t, b)
	})
}

func TestWithoutProperty(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"id":"g","members@delta":[{"id":"u"}],"displayName":"G"}`, `{"id":"g","displayName":"G"}`},
		{`{"id":"g", "members@delta":[] }`, `{"id":"g"}`},
		{`{ "members@delta":[] , "id":"g"}`, `{ "id":"g"}`},
		{`{"members@delta":1}`, `{}`},
		{`{"members@delta":1,"a":2,"members@delta":3}`, `{"a":2}`},
		{`{"a":{"members@delta":1}}`, `{"a":{"members@delta":1}}`},
		{`{"a":1}`, `{"a":1}`},
		{`{"a":1,"members@delta":}`, `{"a":1,"members@delta":}`},
		{`[1]`, `[1]`},
	} {
		if got := string(WithoutProperty(json.RawMessage(c.in), "members@delta")); got != c.want {
			t.Errorf("WithoutProperty(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

// FuzzWithoutProperty: the result reads as the input's properties less
// the key; input that is not a well-formed object comes back unchanged.
func FuzzWithoutProperty(f *testing.F) {
	f.Add([]byte(`{"id":"g","members@delta":[{"@odata.type":"#microsoft.graph.user","id":"u"}],"displayName":"G"}`), "members@delta")
	f.Add([]byte(`{"a":1,"b":{"c":[true,null]},"a":2}`), "a")
	f.Fuzz(func(t *testing.T, b []byte, key string) {
		out := WithoutProperty(b, key)
		var in map[string]json.RawMessage
		if json.Unmarshal(b, &in) != nil {
			if string(out) != string(b) {
				t.Fatalf("malformed %q changed to %q", b, out)
			}
			return
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil {
			if in == nil { // the input was null
				return
			}
			t.Fatalf("%q -> %q: %v", b, out, err)
		}
		delete(in, key)
		if len(got) != len(in) {
			t.Fatalf("%q -> %q: %d properties, want %d", b, out, len(got), len(in))
		}
		for k, v := range in {
			var a, b2 any
			_ = json.Unmarshal(v, &a)
			_ = json.Unmarshal(got[k], &b2)
			if !reflect.DeepEqual(a, b2) {
				t.Fatalf("%q: property %q %s, want %s", b, k, got[k], v)
			}
		}
	})
}
