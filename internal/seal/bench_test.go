package seal

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// Benchmarks compare the package's work with its bare hashing, measured in
// the same run: read the ratios, not the absolute figures.
//
//	go test -run '^$' -bench . ./internal/seal/
//
// Build of n records costs about Size(n) HMACs (positions and padding) and
// Size(n) node hashes; Verify costs one record hash and log₂(size) node
// hashes.

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		records := testRecords(n, 1)
		seed := testSeed(1)
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Build(records, seed); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(Size(n))*float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
		})
	}
}

func BenchmarkProve(b *testing.B) {
	const n = 10_000
	tree := MustBuild(b, testRecords(n, 1), testSeed(1))
	i := 0
	for b.Loop() {
		if _, err := tree.Prove(i % n); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkVerify(b *testing.B) {
	const n = 10_000
	records := testRecords(n, 1)
	tree := MustBuild(b, records, testSeed(1))
	proofs := make([]tlog.RecordProof, 64)
	for i := range proofs {
		proofs[i] = MustProve(b, tree, i)
	}
	root, size := tree.Root(), tree.Size()
	i := 0
	for b.Loop() {
		k := i % len(proofs)
		if err := Verify(root, size, tree.Leaf(k), records[k], proofs[k]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkBareHMAC is one padding leaf's HMAC-SHA256, Build's unit of work
// with BenchmarkBareNodeHash.
func BenchmarkBareHMAC(b *testing.B) {
	mac := hmac.New(sha256.New, testSeed(1))
	msg := []byte(paddingLabel + "01234567")
	var sum [sha256.Size]byte
	for b.Loop() {
		mac.Reset()
		mac.Write(msg)
		mac.Sum(sum[:0])
	}
}

// BenchmarkBareNodeHash is one interior node hash, Verify's unit of work.
func BenchmarkBareNodeHash(b *testing.B) {
	var h tlog.Hash
	for b.Loop() {
		h = tlog.NodeHash(h, h)
	}
}
