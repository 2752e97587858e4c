package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

func (db *DB) CreateParty(ctx context.Context, p truce.Party) error {
	_, err := db.write.ExecContext(ctx,
		"INSERT INTO parties(id, name, kind, verifier_key, created_at) VALUES (?, ?, ?, ?, ?)",
		p.ID, p.Name, string(p.Kind), p.VerifierKey, formatTime(p.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("party %q: %w", p.ID, store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create party %q: %w", p.ID, err)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanParty(s scanner) (truce.Party, error) {
	var p truce.Party
	var kind, created string
	if err := s.Scan(&p.ID, &p.Name, &kind, &p.VerifierKey, &created); err != nil {
		return p, err
	}
	p.Kind = truce.PartyKind(kind)
	var err error
	p.CreatedAt, err = parseTime(created)
	return p, err
}

func (db *DB) Party(ctx context.Context, id string) (truce.Party, error) {
	p, err := scanParty(db.read.QueryRowContext(ctx,
		"SELECT id, name, kind, verifier_key, created_at FROM parties WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("party %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("sqlite: party %q: %w", id, err)
	}
	return p, nil
}

func (db *DB) Parties(ctx context.Context) ([]truce.Party, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, name, kind, verifier_key, created_at FROM parties ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: parties: %w", err)
	}
	defer rows.Close()
	var out []truce.Party
	for rows.Next() {
		p, err := scanParty(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: parties: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (db *DB) CreateMember(ctx context.Context, m truce.Member) error {
	var party, role any
	if !m.Admin {
		party, role = m.Party, string(m.Role)
	}
	_, err := db.write.ExecContext(ctx,
		"INSERT INTO members(username, party, role, admin, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		m.Username, party, role, m.Admin, m.PasswordHash, formatTime(m.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("member %q: %w", m.Username, store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create member %q: %w", m.Username, err)
	}
	return nil
}

const memberColumns = "m.username, m.party, m.role, m.admin, m.password_hash, m.created_at"

func scanMember(s scanner, extra ...any) (truce.Member, error) {
	var m truce.Member
	var party, role sql.NullString
	var created string
	dest := append([]any{&m.Username, &party, &role, &m.Admin, &m.PasswordHash, &created}, extra...)
	if err := s.Scan(dest...); err != nil {
		return m, err
	}
	m.Party, m.Role = party.String, truce.Role(role.String)
	var err error
	m.CreatedAt, err = parseTime(created)
	return m, err
}

func (db *DB) Member(ctx context.Context, username string) (truce.Member, error) {
	m, err := scanMember(db.read.QueryRowContext(ctx,
		"SELECT "+memberColumns+" FROM members m WHERE m.username = ?", username))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("member %q: %w", username, store.ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("sqlite: member %q: %w", username, err)
	}
	return m, nil
}

func (db *DB) SetPasswordHash(ctx context.Context, username, hash string) error {
	res, err := db.write.ExecContext(ctx, "UPDATE members SET password_hash = ? WHERE username = ?", hash, username)
	if err != nil {
		return fmt.Errorf("sqlite: set password of %q: %w", username, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("member %q: %w", username, store.ErrNotFound)
	}
	return nil
}

func (db *DB) CreateSession(ctx context.Context, s truce.Session) error {
	_, err := db.write.ExecContext(ctx,
		"INSERT INTO sessions(token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
		s.TokenHash, s.Username, formatTime(s.CreatedAt), formatTime(s.ExpiresAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("session: %w", store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create session for %q: %w", s.Username, err)
	}
	return nil
}

func (db *DB) SessionMember(ctx context.Context, tokenHash []byte, now time.Time) (truce.Member, truce.Session, error) {
	var created, expires string
	s := truce.Session{TokenHash: tokenHash}
	m, err := scanMember(db.read.QueryRowContext(ctx,
		"SELECT "+memberColumns+", s.created_at, s.expires_at FROM sessions s JOIN members m ON m.username = s.username WHERE s.token_hash = ? AND s.expires_at > ?",
		tokenHash, formatTime(now)), &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return m, s, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return m, s, fmt.Errorf("sqlite: session: %w", err)
	}
	s.Username = m.Username
	if s.CreatedAt, err = parseTime(created); err != nil {
		return m, s, err
	}
	if s.ExpiresAt, err = parseTime(expires); err != nil {
		return m, s, err
	}
	return m, s, nil
}

func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := db.write.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

func (db *DB) DeleteSessions(ctx context.Context, username string) error {
	if _, err := db.write.ExecContext(ctx, "DELETE FROM sessions WHERE username = ?", username); err != nil {
		return fmt.Errorf("sqlite: delete sessions of %q: %w", username, err)
	}
	return nil
}

func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", formatTime(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
