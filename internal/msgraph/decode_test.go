package msgraph

import (
	"encoding/json"
	"testing"
)

// A document cut short is told apart from a malformed one whichever
// decoder reported it.
func TestIsTruncatedJSON(t *testing.T) {
	for _, c := range []struct {
		doc       string
		truncated bool
	}{
		{`{"id":"u1","displayName":"Ad`, true},
		{`{"value":[{"id":"u1"},`, true},
		{`{"id":`, true},
		{`{"id":"u1",}`, false},
		{`{"id":"u1"}}`, false},
		{`[1,2,x]`, false},
	} {
		var u User
		errNew := unmarshal([]byte(c.doc), &u)
		errStd := json.Unmarshal([]byte(c.doc), &u)
		if errNew == nil || errStd == nil {
			t.Fatalf("%s: decoded without error (%v, %v)", c.doc, errNew, errStd)
		}
		if got := isTruncatedJSON(errNew); got != c.truncated {
			t.Errorf("%s: unmarshal's error %q: truncated %v, want %v", c.doc, errNew, got, c.truncated)
		}
		if got := isTruncatedJSON(errStd); got != c.truncated {
			t.Errorf("%s: encoding/json's error %q: truncated %v, want %v", c.doc, errStd, got, c.truncated)
		}
	}
}

// unmarshal keeps encoding/json's rules where Graph's payloads could meet
// them: names match case-insensitively, the last duplicate wins, null leaves
// a field alone, unknown members are ignored.
func TestUnmarshalMatchesEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`{"ID":"u1","DisplayName":"A"}`,
		`{"id":"u1","id":"u2"}`,
		`{"id":null,"accountEnabled":null,"assignedLicenses":null}`,
		`{"id":"u1","extension_abc":{"x":[1,2]},"@odata.type":"#microsoft.graph.user"}`,
		`{"id":"u1","createdDateTime":"2024-01-02T03:04:05.1234567Z","signInActivity":{"lastSignInDateTime":"0001-01-01T00:00:00Z"}}`,
		"{\"id\":\"u\xff1\"}",
	} {
		var a, b User
		errA := unmarshal([]byte(doc), &a)
		errB := json.Unmarshal([]byte(doc), &b)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("%s: errors %v and %v", doc, errA, errB)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("%s:\n got %s\nwant %s", doc, ja, jb)
		}
	}
}

// FuzzUnmarshalUser: whatever Graph sends, the faster decoder accepts and
// rejects the same objects as encoding/json and reads the same user.
func FuzzUnmarshalUser(f *testing.F) {
	for _, s := range []string{
		`{"id":"u1","userPrincipalName":"a@b.c","accountEnabled":true,"assignedLicenses":[{"skuId":"s","disabledPlans":["p"]}],` +
			`"licenseAssignmentStates":[{"skuId":"s","assignedByGroup":null,"state":"Active","lastUpdatedDateTime":"2020-02-24T23:56:31Z"}],` +
			`"manager":{"@odata.type":"#microsoft.graph.user","id":"m"},"onPremisesSyncEnabled":null}`,
		`{"ID":"u1","id":"u2","businessPhones":[]}`,
		`{"signInActivity":{"lastSignInDateTime":"0001-01-01T00:00:00Z","lastSignInRequestId":""}}`,
		`{"id":"\u00e9\ud83d\ude00","displayName":"x\"y"}`,
		`{"id":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var a, b User
		errA := unmarshal(doc, &a)
		errB := json.Unmarshal(doc, &b)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("%q: errors %v and %v", doc, errA, errB)
		}
		if errA != nil {
			return
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Fatalf("%q:\n got %s\nwant %s", doc, ja, jb)
		}
	})
}
