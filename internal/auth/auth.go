// Package auth holds the secrets side of signing in: password hashes, session
// tokens and rate limits. It knows nothing of members, stores or HTTP; the
// services decide who may sign in, this package only makes that decision
// cheap to get right.
//
// Passwords are hashed with argon2id and written in the PHC string format
//
//	$argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>
//
// (salt and hash in standard base64 without padding), so that every hash
// carries the parameters it was made with: raising [DefaultParams] later
// leaves existing hashes verifiable, and [Hasher.NeedsRehash] tells when to
// upgrade one at the next sign-in. argon2id holds Memory KiB for each hash in
// flight, so a [Hasher] bounds how many run at once.
//
// Session tokens are opaque random strings given to the client once; the
// server keeps only their SHA-256 ([HashToken]), so a copy of the database
// does not hand out sessions.
//
// A [Limiter] keeps one token bucket per key (username, remote address,
// party) in bounded memory and says how long to wait when it refuses, which
// becomes an HTTP 429 Retry-After. It is one [RateLimiter]; the services
// take any, so that nodes sharing a database can share their limits too.
package auth
