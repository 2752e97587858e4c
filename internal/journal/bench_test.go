package journal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// Benchmarks compare the journal's hot paths with their bare cryptography,
// measured in the same run: read the ratios, not the absolute figures.
//
//	go test -run '^$' -bench . -benchtime 1x ./internal/journal/

const benchEntries = 100_000

var (
	benchOnce  sync.Once
	benchNotes [][]byte
	benchCP    []byte
)

// benchJournal returns 100,000 entries by three parties and their
// checkpoint, made once per process.
func benchJournal(b *testing.B) ([][]byte, []byte) {
	b.Helper()
	f := newFixture(b)
	benchOnce.Do(func() {
		benchNotes = MustJournal(b, f, benchEntries)
		benchCP = MustCheckpoint(b, f, benchNotes, "office")
	})
	return benchNotes, benchCP
}

func BenchmarkVerify100k(b *testing.B) {
	f := newFixture(b)
	notes, cp := benchJournal(b)
	v := &Verifier{Keys: f.keys}
	for b.Loop() {
		rep, err := v.Verify(b.Context(), SliceSource(notes), cp, nil)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Size != benchEntries {
			b.Fatalf("verified %d entries", rep.Size)
		}
	}
	b.ReportMetric(float64(benchEntries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkBareEd25519Verify is the bound for BenchmarkVerify100k: only
// crypto/ed25519.Verify over the same texts and signatures, on all cores.
func BenchmarkBareEd25519Verify(b *testing.B) {
	f := newFixture(b)
	notes, _ := benchJournal(b)
	type job struct {
		pub       ed25519.PublicKey
		text, sig []byte
	}
	pubs := map[string]ed25519.PublicKey{}
	for p, vkey := range f.vkeys {
		raw, err := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2])
		if err != nil {
			b.Fatal(err)
		}
		pubs[p] = ed25519.PublicKey(raw[1:])
	}
	jobs := make([]job, len(notes))
	for i, msg := range notes {
		split := bytes.LastIndex(msg, []byte("\n\n"))
		line := msg[split+2 : len(msg)-1]
		sig, err := base64.StdEncoding.DecodeString(string(line[bytes.LastIndexByte(line, ' ')+1:]))
		if err != nil {
			b.Fatal(err)
		}
		e, err := ParseEntry(msg)
		if err != nil {
			b.Fatal(err)
		}
		jobs[i] = job{pubs[e.Party], msg[:split+1], sig[4:]}
	}
	workers := runtime.GOMAXPROCS(0)
	for b.Loop() {
		// Runs of 128 taken in turn, as Verify does, so that a core taken
		// away by the machine's other work does not leave one long tail.
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for {
					start := int(next.Add(batchSize)) - batchSize
					if start >= len(jobs) {
						return
					}
					for _, j := range jobs[start:min(start+batchSize, len(jobs))] {
						if !ed25519.Verify(j.pub, j.text, j.sig) {
							panic("bad signature")
						}
					}
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(benchEntries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkOpenEntry is OpenEntry on one core, the per-entry cost in Verify.
func BenchmarkOpenEntry(b *testing.B) {
	f := newFixture(b)
	msg := MustSignEntry(b, f, testEntry(1, "us", 1), "us")
	for b.Loop() {
		if _, err := OpenEntry(msg, f.keys); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseEntry is the part of OpenEntry that is not cryptography.
func BenchmarkParseEntry(b *testing.B) {
	f := newFixture(b)
	msg := MustSignEntry(b, f, testEntry(1, "us", 1), "us")
	text := msg[:bytes.LastIndex(msg, []byte("\n\n"))+1]
	for b.Loop() {
		if _, err := parseEntryText(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignEntry(b *testing.B) {
	f := newFixture(b)
	e := testEntry(1, "us", 1)
	s := f.signers["us"]
	for b.Loop() {
		if _, err := SignEntry(e, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareSign is the bound for BenchmarkSignEntry: an Ed25519
// signature and a SHA-256 over the same text.
func BenchmarkBareSign(b *testing.B) {
	f := newFixture(b)
	e := testEntry(1, "us", 1)
	line, err := json.Marshal(e)
	if err != nil {
		b.Fatal(err)
	}
	text := append(line, '\n')
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	_ = f
	for b.Loop() {
		sig := ed25519.Sign(priv, text)
		sum := sha256.Sum256(text)
		_, _ = sig, sum
	}
}

var (
	proofsOnce sync.Once
	proofs1M   *MemoryHashes
)

// BenchmarkProofs1M proves inclusion and consistency in a tree of 1,000,000
// records held in MemoryHashes (built once, outside the timing).
func BenchmarkProofs1M(b *testing.B) {
	const n = 1_000_000
	proofsOnce.Do(func() {
		m := &MemoryHashes{}
		rng := rand.New(rand.NewPCG(1, 2))
		var note [64]byte
		for range n {
			for i := range note {
				note[i] = byte(rng.Uint32())
			}
			if _, err := m.Append(note[:]); err != nil {
				b.Fatal(err)
			}
		}
		proofs1M = m
	})
	m := proofs1M
	root, err := m.Root()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))

	b.Run("Inclusion", func(b *testing.B) {
		for b.Loop() {
			i := rng.Int64N(n)
			p, err := tlog.ProveRecord(n, i, m)
			if err != nil {
				b.Fatal(err)
			}
			leaf, err := m.ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
			if err != nil {
				b.Fatal(err)
			}
			if err := tlog.CheckRecord(p, n, root, i, leaf[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Consistency", func(b *testing.B) {
		for b.Loop() {
			old := 1 + rng.Int64N(n-1)
			p, err := tlog.ProveTree(n, old, m)
			if err != nil {
				b.Fatal(err)
			}
			oldRoot, err := tlog.TreeHash(old, m)
			if err != nil {
				b.Fatal(err)
			}
			if err := tlog.CheckTree(p, n, root, old, oldRoot); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Append", func(b *testing.B) {
		var m MemoryHashes
		var note [64]byte
		for b.Loop() {
			note[0]++
			if _, err := m.Append(note[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
