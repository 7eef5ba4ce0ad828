package credential

import (
	"crypto/sha1"
	"crypto/x509"
)

func certThumbprint(c *x509.Certificate) []byte {
	s := sha1.Sum(c.Raw)
	return s[:]
}
