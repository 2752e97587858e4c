package journal

import (
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// MemoryHashes is a journal's Merkle tree held in memory: the stored hashes
// of [tlog.StoredHashes], about two per record. It is a [tlog.HashReader], so
// [tlog.TreeHash], [tlog.ProveRecord] and [tlog.ProveTree] work over it.
//
// One goroutine may append while others read. The zero value is an empty
// tree.
type MemoryHashes struct {
	mu     sync.RWMutex
	size   int64
	hashes []tlog.Hash
}

var _ tlog.HashReader = (*MemoryHashes)(nil)

// Append adds the record note and returns the stored hashes it added, in
// stored-hash index order from tlog.StoredHashIndex(0, n), where n is the
// record's index.
func (m *MemoryHashes) Append(note []byte) ([]tlog.Hash, error) {
	return m.AppendRecordHash(tlog.RecordHash(note))
}

// AppendRecordHash adds the record whose hash ([tlog.RecordHash]) is h, like
// Append.
func (m *MemoryHashes) AppendRecordHash(h tlog.Hash) ([]tlog.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hs, err := tlog.StoredHashesForRecordHash(m.size, h, tlog.HashReaderFunc(m.readHashes))
	if err != nil {
		return nil, fmt.Errorf("journal: append record %d: %w", m.size, err)
	}
	m.hashes = append(m.hashes, hs...)
	m.size++
	return hs, nil
}

// Size returns the number of records.
func (m *MemoryHashes) Size() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.size
}

// Root returns the tree hash of all records.
func (m *MemoryHashes) Root() (tlog.Hash, error) {
	// Hashes are only appended: the tree of size n stays readable after n is
	// read, without holding the lock across ReadHashes.
	h, err := tlog.TreeHash(m.Size(), m)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("journal: tree hash: %w", err)
	}
	return h, nil
}

// ReadHashes returns the stored hashes at indexes.
func (m *MemoryHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.readHashes(indexes)
}

func (m *MemoryHashes) readHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("journal: stored hash %d not in a tree of %d records", x, m.size)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}
