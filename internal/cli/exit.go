package cli

import (
	"errors"
	"fmt"
)

// Exit codes, documented in `tenantscope help exit-codes`.
const (
	ExitOK = 0
	// ExitFindings: the command ran but found something to act on: a
	// degraded feature, an expiring credential, recommendations; or it
	// failed part-way.
	ExitFindings = 1
	// ExitConfig: tenantscope could not connect or was not configured
	// correctly: configuration or usage errors, sign-in failures, network
	// and TLS failures.
	ExitConfig = 2
)

const exitCodesHelp = `Exit codes:

  0  success: everything checked is in order
  1  findings: the command ran, but something needs attention (a feature is
     degraded, a credential expires within 30 days, report findings) or it
     failed part-way
  2  cannot connect or not configured: configuration or usage error, sign-in
     failure (wrong or expired secret, unknown tenant, app not in tenant, no
     admin consent), network or TLS failure
`

// ExitError carries a process exit code. A nil Err means the command has
// already said everything it had to (e.g. check printed its table).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Findings returns an error exiting 1 after the command printed its results.
func Findings() error { return &ExitError{Code: ExitFindings} }

// ConfigError marks err as a configuration, usage or connection failure
// (exit 2).
func ConfigError(err error) error {
	if err == nil {
		return nil
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return &ExitError{Code: ExitConfig, Err: err}
}

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitFindings
}
