package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/tenantscope/tenantscope/internal/cloud"
	"github.com/tenantscope/tenantscope/internal/config"
	"github.com/tenantscope/tenantscope/internal/credential"
	"github.com/tenantscope/tenantscope/internal/msgraph"
)

// Conn is a resolved connection: its configuration, cloud profile, HTTP
// client (trusting its CA file) and credential. Commands that talk to a
// tenant start from App.Connect.
type Conn struct {
	File       *config.File
	Connection *config.Connection
	Profile    cloud.Profile
	HTTP       *http.Client
	Credential *credential.Credential

	log *slog.Logger
}

// LoadConfig reads the configuration (--config, TENANTSCOPE_CONFIG or the
// default locations) and applies environment and flag overrides to the
// selected connection. Without a file, TENANTSCOPE_TENANT and
// TENANTSCOPE_CLIENT_ID (or --tenant and --client-id) define a connection.
// Errors exit 2.
func (a *App) LoadConfig() (*config.File, *config.Connection, error) {
	ov := config.EnvOverrides(a.Getenv).Merge(a.flagOverrides)
	var f *config.File
	path, err := config.Locate(a.ConfigPath, a.Getenv)
	if err == nil {
		f, err = config.Load(path)
	}
	if errors.Is(err, config.ErrNoConfig) && a.ConfigPath == "" && ov.Tenant != "" && ov.ClientID != "" {
		f, err = config.FromOverrides(ov)
	}
	if err != nil {
		return nil, nil, ConfigError(err)
	}
	c, err := f.Connection(a.ConnectionName)
	if err != nil {
		return nil, nil, ConfigError(err)
	}
	if !ov.IsZero() {
		ov.Apply(c)
		if err := f.Validate(); err != nil {
			return nil, nil, ConfigError(fmt.Errorf("after environment and flag overrides: %w", err))
		}
	}
	return f, c, nil
}

// Connect loads the configuration and builds the credential for the selected
// connection. It does not contact the tenant. Errors exit 2.
func (a *App) Connect() (*Conn, error) {
	f, c, err := a.LoadConfig()
	if err != nil {
		return nil, err
	}
	p, err := c.Profile()
	if err != nil {
		return nil, ConfigError(fmt.Errorf("connection %q: %w", c.Name, err))
	}
	hc, err := credential.HTTPClient(f.Resolve(c.CAFile))
	if err != nil {
		return nil, ConfigError(fmt.Errorf("connection %q: ca_file: %w", c.Name, err))
	}
	cred, err := credential.New(f, c, credential.Options{HTTPClient: hc, Getenv: a.Getenv})
	if err != nil {
		return nil, ConfigError(err)
	}
	return &Conn{File: f, Connection: c, Profile: p, HTTP: hc, Credential: cred, log: a.Log}, nil
}

// Graph returns a Graph client for the connection, with its sync concurrency.
func (c *Conn) Graph(a *App) (*msgraph.Client, error) {
	gc, err := msgraph.New(msgraph.Options{
		BaseURL:     c.Profile.GraphURL,
		Tokens:      c.Credential.Graph(),
		HTTPClient:  c.HTTP,
		Concurrency: c.Connection.Sync.Concurrency,
		Logger:      a.Log,
		UserAgent:   "tenantscope/" + versionNumber(),
	})
	if err != nil {
		return nil, fmt.Errorf("connection %q: graph client: %w", c.Connection.Name, err)
	}
	return gc, nil
}

// GraphToken acquires a Graph token, turning sign-in failures into exit-2
// errors with their explanation.
func (c *Conn) GraphToken(ctx context.Context) (string, error) {
	tok, err := c.Credential.Token(ctx, c.Profile.GraphScope)
	if err != nil {
		// The identity platform's full answer (trace and correlation IDs for
		// a support case) goes to the debug log; it never holds the secret.
		var ae *credential.AuthError
		if errors.As(err, &ae) && ae.Unwrap() != nil {
			c.log.Debug("sign-in failed", "connection", c.Connection.Name, "code", ae.Code, "detail", ae.Unwrap().Error())
		}
		return "", ConfigError(fmt.Errorf("connection %q: %w", c.Connection.Name, err))
	}
	return tok, nil
}
