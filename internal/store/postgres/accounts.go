package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

func (db *DB) CreateParty(ctx context.Context, p truce.Party) error {
	if err := checkText("id", p.ID, "name", p.Name, "kind", string(p.Kind), "verifier_key", p.VerifierKey); err != nil {
		return fmt.Errorf("postgres: create party %q: %w", p.ID, err)
	}
	_, err := db.pool.Exec(ctx,
		"INSERT INTO parties(id, name, kind, verifier_key, created_at) VALUES ($1, $2, $3, $4, $5)",
		p.ID, p.Name, string(p.Kind), p.VerifierKey, p.CreatedAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("party %q: %w", p.ID, store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("postgres: create party %q: %w", p.ID, err)
	}
	return nil
}

const partyColumns = "id, name, kind, verifier_key, created_at"

func scanParty(row pgx.Row) (truce.Party, error) {
	var p truce.Party
	var kind string
	if err := row.Scan(&p.ID, &p.Name, &kind, &p.VerifierKey, &p.CreatedAt); err != nil {
		return p, err
	}
	p.Kind, p.CreatedAt = truce.PartyKind(kind), utc(p.CreatedAt)
	return p, nil
}

func (db *DB) Party(ctx context.Context, id string) (truce.Party, error) {
	if !storable(id) {
		return truce.Party{}, fmt.Errorf("party %q: %w", id, store.ErrNotFound)
	}
	p, err := scanParty(db.pool.QueryRow(ctx, "SELECT "+partyColumns+" FROM parties WHERE id = $1", id))
	if notFound(err) {
		return p, fmt.Errorf("party %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("postgres: party %q: %w", id, err)
	}
	return p, nil
}

func (db *DB) Parties(ctx context.Context) ([]truce.Party, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+partyColumns+" FROM parties ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres: parties: %w", err)
	}
	out, err := pgx.AppendRows([]truce.Party(nil), rows, func(r pgx.CollectableRow) (truce.Party, error) { return scanParty(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: parties: %w", err)
	}
	return out, nil
}

func (db *DB) CreateMember(ctx context.Context, m truce.Member) error {
	var party, role *string
	if !m.Admin {
		r := string(m.Role)
		party, role = &m.Party, &r
	}
	if err := checkText("username", m.Username, "party", m.Party, "role", string(m.Role), "password_hash", m.PasswordHash); err != nil {
		return fmt.Errorf("postgres: create member %q: %w", m.Username, err)
	}
	_, err := db.pool.Exec(ctx,
		"INSERT INTO members(username, party, role, admin, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
		m.Username, party, role, m.Admin, m.PasswordHash, m.CreatedAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("member %q: %w", m.Username, store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("postgres: create member %q: %w", m.Username, err)
	}
	return nil
}

const memberColumns = "m.username, m.party, m.role, m.admin, m.password_hash, m.created_at"

func scanMember(row pgx.Row, extra ...any) (truce.Member, error) {
	var m truce.Member
	var party, role *string
	dest := append([]any{&m.Username, &party, &role, &m.Admin, &m.PasswordHash, &m.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return m, err
	}
	if party != nil {
		m.Party = *party
	}
	if role != nil {
		m.Role = truce.Role(*role)
	}
	m.CreatedAt = utc(m.CreatedAt)
	return m, nil
}

func (db *DB) Member(ctx context.Context, username string) (truce.Member, error) {
	if !storable(username) {
		return truce.Member{}, fmt.Errorf("member %q: %w", username, store.ErrNotFound)
	}
	m, err := scanMember(db.pool.QueryRow(ctx,
		"SELECT "+memberColumns+" FROM members m WHERE m.username = $1", username))
	if notFound(err) {
		return m, fmt.Errorf("member %q: %w", username, store.ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("postgres: member %q: %w", username, err)
	}
	return m, nil
}

func (db *DB) SetPasswordHash(ctx context.Context, username, hash string) error {
	if !storable(username) {
		return fmt.Errorf("member %q: %w", username, store.ErrNotFound)
	}
	if err := checkText("password_hash", hash); err != nil {
		return fmt.Errorf("postgres: set password of %q: %w", username, err)
	}
	tag, err := db.pool.Exec(ctx, "UPDATE members SET password_hash = $1 WHERE username = $2", hash, username)
	if err != nil {
		return fmt.Errorf("postgres: set password of %q: %w", username, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("member %q: %w", username, store.ErrNotFound)
	}
	return nil
}

func (db *DB) CreateSession(ctx context.Context, s truce.Session) error {
	if err := checkText("username", s.Username); err != nil {
		return fmt.Errorf("postgres: create session for %q: %w", s.Username, err)
	}
	_, err := db.pool.Exec(ctx,
		"INSERT INTO sessions(token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)",
		s.TokenHash, s.Username, s.CreatedAt, s.ExpiresAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("session: %w", store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("postgres: create session for %q: %w", s.Username, err)
	}
	return nil
}

// SessionMember compares expires_at with now as PostgreSQL receives it,
// truncated to the microsecond; for an ExpiresAt to the microsecond (the
// writer's are to the second) that is the same as comparing with now.
func (db *DB) SessionMember(ctx context.Context, tokenHash []byte, now time.Time) (truce.Member, truce.Session, error) {
	s := truce.Session{TokenHash: tokenHash}
	m, err := scanMember(db.pool.QueryRow(ctx,
		"SELECT "+memberColumns+", s.created_at, s.expires_at FROM sessions s JOIN members m ON m.username = s.username WHERE s.token_hash = $1 AND s.expires_at > $2",
		tokenHash, now), &s.CreatedAt, &s.ExpiresAt)
	if notFound(err) {
		return m, s, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return m, s, fmt.Errorf("postgres: session: %w", err)
	}
	s.Username, s.CreatedAt, s.ExpiresAt = m.Username, utc(s.CreatedAt), utc(s.ExpiresAt)
	return m, s, nil
}

func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash); err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}

func (db *DB) DeleteSessions(ctx context.Context, username string) error {
	if !storable(username) {
		// No session can belong to it; still fail on a done context.
		return ctx.Err()
	}
	if _, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE username = $1", username); err != nil {
		return fmt.Errorf("postgres: delete sessions of %q: %w", username, err)
	}
	return nil
}

func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= $1", now)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
