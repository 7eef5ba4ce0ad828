package msgraph

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

type fakeCred struct {
	calls []policy.TokenRequestOptions
	err   error
}

func (f *fakeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.calls = append(f.calls, o)
	if f.err != nil {
		return azcore.AccessToken{}, f.err
	}
	return azcore.AccessToken{Token: "at-" + o.Scopes[0]}, nil
}

func TestAzureTokenSource(t *testing.T) {
	cred := &fakeCred{}
	src := AzureTokenSource(cred, "https://graph.microsoft.com/.default")
	tok, err := src.Token(context.Background())
	if err != nil || tok != "at-https://graph.microsoft.com/.default" || cred.calls[0].Claims != "" {
		t.Fatalf("token = %q, %v, %+v", tok, err, cred.calls)
	}
	r, ok := src.(TokenRefresher)
	if !ok {
		t.Fatal("AzureTokenSource cannot refresh")
	}
	if _, err := r.RefreshToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := cred.calls[1].Claims; !strings.HasPrefix(c, `{"access_token":{"nbf":{"essential":true,"value":"`) {
		t.Fatalf("refresh claims = %q", c)
	}
	cred.err = errors.New("AADSTS7000222: The provided client secret keys are expired")
	if _, err := src.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "token for https://graph.microsoft.com/.default: AADSTS7000222") {
		t.Fatalf("err = %v", err)
	}
}
