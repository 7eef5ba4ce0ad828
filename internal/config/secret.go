package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// SecretRef refers to a secret kept outside the configuration file:
// "env:NAME" (an environment variable) or "file:PATH" (a file, relative to
// the config file; trailing newlines are trimmed). Anything else is treated
// as a literal secret, which validation rejects. String never shows a
// literal, so a SecretRef is safe to log.
type SecretRef string

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// IsZero reports whether no reference is set.
func (s SecretRef) IsZero() bool { return s == "" }

// Scheme returns "env", "file", or "" for a literal or empty value.
func (s SecretRef) Scheme() string {
	switch {
	case strings.HasPrefix(string(s), "env:"):
		return "env"
	case strings.HasPrefix(string(s), "file:"):
		return "file"
	}
	return ""
}

// Target is the variable name or file path.
func (s SecretRef) Target() string {
	if sch := s.Scheme(); sch != "" {
		return strings.TrimPrefix(string(s), sch+":")
	}
	return ""
}

// String shows the reference, or a placeholder for a literal secret.
func (s SecretRef) String() string {
	switch {
	case s == "":
		return ""
	case s.Scheme() == "":
		return "<literal secret, not shown>"
	}
	return string(s)
}

// GoString keeps %#v from printing a literal secret.
func (s SecretRef) GoString() string { return fmt.Sprintf("config.SecretRef(%q)", s.String()) }

// problem returns why the reference is invalid, or "".
func (s SecretRef) problem() string {
	switch s.Scheme() {
	case "env":
		if !envName.MatchString(s.Target()) {
			return fmt.Sprintf("%q is not an environment variable name", s.Target())
		}
	case "file":
		if strings.TrimSpace(s.Target()) == "" {
			return "file: needs a path"
		}
	default:
		return "a literal secret is not allowed in the configuration file"
	}
	return ""
}

// ErrSecretUnavailable is returned (wrapped) when a reference resolves to
// nothing: an unset variable, a missing or empty file.
var ErrSecretUnavailable = errors.New("secret unavailable")

// Resolve reads the secret. baseDir anchors relative file paths; getenv
// reads the environment (os.Getenv when nil). Errors name the reference,
// never the value.
func (s SecretRef) Resolve(baseDir string, getenv func(string) string) (string, error) {
	if p := s.problem(); p != "" {
		return "", fmt.Errorf("%s", p)
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	switch s.Scheme() {
	case "env":
		v := getenv(s.Target())
		if v == "" {
			return "", fmt.Errorf("%w: environment variable %s is not set (export it, or point the reference elsewhere)", ErrSecretUnavailable, s.Target())
		}
		return v, nil
	default:
		path := resolvePath(baseDir, s.Target())
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%w: read secret file %s: %v", ErrSecretUnavailable, path, pathErr(err))
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("%w: secret file %s is empty", ErrSecretUnavailable, path)
		}
		return v, nil
	}
}

// resolvePath anchors a relative path at baseDir.
func resolvePath(baseDir, p string) string {
	if p == "" || filepath.IsAbs(p) || baseDir == "" {
		return p
	}
	return filepath.Join(baseDir, p)
}

// pathErr drops the path from an *os.PathError, which the caller already names.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
