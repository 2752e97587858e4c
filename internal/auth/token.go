package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// TokenPrefix starts every session token. It lets secret scanners and people
// recognise a leaked token, and costs nothing in strength: the 32 random
// bytes after it are the secret.
const TokenPrefix = "truce_"

// NewToken returns a fresh bearer token, to give to the client once, and its
// hash, to store: the prefix followed by 32 bytes from crypto/rand in
// unpadded base64url (safe in headers and URLs without escaping).
func NewToken() (token string, hash []byte, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, fmt.Errorf("auth: token: %w", err)
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token), nil
}

// HashToken returns the SHA-256 of token, the form sessions are stored and
// looked up by. A fast hash suffices, unlike for passwords, because the
// token has 256 bits of entropy; and since lookups go by hash, their timing
// reveals nothing about the token itself.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
