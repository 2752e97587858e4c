package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// BackupCmd takes a consistent online backup of a SQLite database.
type BackupCmd struct {
	File     string `arg:"" help:"Where to write the backup: a new SQLite file." type:"path"`
	WithKeys bool   `name:"with-keys" help:"Also copy the signing keys into a new 'keys' directory beside FILE (files mode 0600), so the copy serves and verifies on its own. Keep such a backup as secret as the keys."`
}

// Run copies the database while it may be serving: SQLite's VACUUM INTO
// reads one consistent snapshot (WAL readers do not block writers).
func (c *BackupCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	st, err := OpenStorage(ctx, g.DB, g.Keys)
	if err != nil {
		return err
	}
	defer st.Close()
	if st.SQLite == nil {
		return errors.New("truce backup copies SQLite databases; for PostgreSQL use pg_dump and copy the keys directory (docs/operations.md)")
	}
	keysTo := filepath.Join(filepath.Dir(c.File), "keys")
	if c.WithKeys {
		if _, err := os.Stat(keysTo); err == nil {
			return fmt.Errorf("%s already exists; back up into a directory of its own", keysTo)
		}
	}
	if err := st.SQLite.Backup(ctx, c.File); err != nil {
		return err
	}
	size, err := st.Store.JournalSize(ctx)
	if err != nil {
		return err
	}
	if c.WithKeys {
		if err := copyKeys(st.Ring.Dir(), keysTo); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdio.Stdout, "backed up %s (journal of %d entries)\n", c.File, size)
	return nil
}

// copyKeys copies every key file of dir into a new directory to (0700,
// files 0600), refusing to overwrite anything.
func copyKeys(dir, to string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read keys: %w", err)
	}
	if err := os.Mkdir(to, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", to, err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(dir, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
