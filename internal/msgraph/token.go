package msgraph

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// TokenSource gives bearer tokens for the Graph (or ARM) audience. It is
// expected to cache and refresh them itself, as azidentity does.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TokenRefresher is an optional TokenSource extension: a source that can
// bypass its cache and fetch a new token. The client calls it once when
// Graph answers 401 to a token the source still thought valid (clock skew,
// revocation); a source without it is simply asked for a token again.
type TokenRefresher interface {
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

// RefreshToken asks for a token that is not the cached one. azidentity
// skips its cache when the request carries claims; the claims used are the
// "issued no earlier than now" challenge Microsoft's services send when
// they reject a token (continuous access evaluation), which any token
// issued now satisfies.
func (s *azureTokenSource) RefreshToken(ctx context.Context) (string, error) {
	if s.cred == nil {
		return "", errors.New("no credential")
	}
	claims := fmt.Sprintf(`{"access_token":{"nbf":{"essential":true,"value":"%d"}}}`, time.Now().Unix())
	tok, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.scope}, Claims: claims})
	if err != nil {
		return "", fmt.Errorf("refresh token for %s: %w", s.scope, err)
	}
	return tok.Token, nil
}

// TokenFunc turns a function into a TokenSource.
type TokenFunc func(ctx context.Context) (string, error)

func (f TokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }
