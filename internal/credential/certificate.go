package credential

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"software.sslmate.com/src/go-pkcs12"
)

// LoadCertificate reads a client certificate and its private key from a PEM
// file (certificates plus an unencrypted PKCS#8, PKCS#1 or SEC 1 key) or a
// PKCS#12 file. PKCS#12 is decoded with go-pkcs12, which reads both the legacy
// SHA-1/3DES files and OpenSSL 3's default AES/PBES2 ones (azidentity's own
// reader accepts only the former). The leaf certificate comes first.
func LoadCertificate(path, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, pathErr(err))
	}
	var certs []*x509.Certificate
	var key crypto.PrivateKey
	if bytes.Contains(data, []byte("-----BEGIN")) {
		certs, key, err = parsePEM(data)
	} else {
		certs, key, err = parsePFX(data, password)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := keyMatches(certs[0], key); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return certs, key, nil
}

func parsePEM(data []byte) ([]*x509.Certificate, crypto.PrivateKey, error) {
	var certs []*x509.Certificate
	var key crypto.PrivateKey
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("parse certificate: %w", err)
			}
			certs = append(certs, c)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("parse PKCS#8 private key: %w", err)
			}
			key = k
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("parse RSA private key: %w", err)
			}
			key = k
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("parse EC private key: %w", err)
			}
			key = k
		case "ENCRYPTED PRIVATE KEY":
			return nil, nil, errors.New("the PEM private key is encrypted, which this reader does not support " +
				"(fix: convert it to a PFX with a password, e.g. openssl pkcs12 -export -inkey key.pem -in cert.pem -out app.pfx, and set client_certificate.password)")
		}
	}
	if len(certs) == 0 {
		return nil, nil, errors.New("no CERTIFICATE block in the PEM file")
	}
	if key == nil {
		return nil, nil, errors.New("no private key in the PEM file (fix: put the key's PEM block in the same file as the certificate)")
	}
	return certs, key, nil
}

func parsePFX(data []byte, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	key, leaf, chain, err := pkcs12.DecodeChain(data, password)
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		return nil, nil, errors.New("wrong PFX password (fix: check the secret that client_certificate.password refers to)")
	case err != nil:
		return nil, nil, fmt.Errorf("not a readable PEM or PKCS#12 (PFX) file: %w", err)
	}
	return append([]*x509.Certificate{leaf}, chain...), key, nil
}

// keyMatches checks that the private key belongs to the leaf certificate, so
// a mismatched pair fails here and not as an opaque AADSTS700027.
func keyMatches(cert *x509.Certificate, key crypto.PrivateKey) error {
	type publicKeyer interface{ Public() crypto.PublicKey }
	pk, ok := key.(publicKeyer)
	if !ok {
		return fmt.Errorf("unsupported private key type %T", key)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	switch pub := pk.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		if !pub.(equaler).Equal(cert.PublicKey) {
			return errors.New("the private key does not belong to the certificate")
		}
	default:
		return fmt.Errorf("unsupported public key type %T", pub)
	}
	if _, ok := key.(*rsa.PrivateKey); !ok {
		// Microsoft Entra ID verifies client assertions signed with RSA
		// (RS256/PS256) only.
		return fmt.Errorf("the certificate's key is %T; Microsoft Entra ID accepts RSA certificates only", key)
	}
	return nil
}
