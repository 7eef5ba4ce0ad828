package msgraph

import (
	"context"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// TokenSource gives bearer tokens for the Graph (or ARM) audience. It is
// expected to cache and refresh them itself, as azidentity does.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// tokenRefresher is an optional TokenSource extension: a source that can
// drop its cached token and fetch a new one. The client uses it once when
// Graph answers 401 with a token the source still thought valid.
type tokenRefresher interface {
	RefreshToken(ctx context.Context) (string, error)
}

// AzureTokenSource adapts an azcore.TokenCredential (azidentity's client
// secret or certificate credential) for one scope, such as
// "https://graph.microsoft.com/.default".
func AzureTokenSource(cred azcore.TokenCredential, scope string) TokenSource {
	return &azureTokenSource{cred: cred, scope: scope}
}

type azureTokenSource struct {
	cred  azcore.TokenCredential
	scope string
}

func (s *azureTokenSource) Token(ctx context.Context) (string, error) {
	if s.cred == nil {
		return "", errors.New("no credential")
	}
	tok, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.scope}})
	if err != nil {
		// azidentity's errors name the tenant, client and AADSTS code, never
		// the secret.
		return "", fmt.Errorf("token for %s: %w", s.scope, err)
	}
	return tok.Token, nil
}

// TokenFunc turns a function into a TokenSource.
type TokenFunc func(ctx context.Context) (string, error)

func (f TokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }
