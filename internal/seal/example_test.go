package seal_test

import (
	"crypto/rand"
	"fmt"
	"log"

	"github.com/truce-org/truce/internal/seal"
)

func Example() {
	// The owner: every record carries its own secret salt, and every
	// commitment a fresh secret seed. The owner keeps the records in order
	// and the seed.
	var records [][]byte
	for _, site := range []string{"lon 30.52 lat 50.45 r 500", "lon 36.23 lat 49.99 r 800", "lon 35.05 lat 48.46 r 300"} {
		records = append(records, fmt.Appendf(nil, "salt %s %s", rand.Text(), site))
	}
	seed := make([]byte, seal.SeedSize)
	rand.Read(seed)

	tree, err := seal.Build(records, seed)
	if err != nil {
		log.Fatal(err)
	}
	// Published in the journal: the root and the size, nothing else.
	root, size := tree.Root(), tree.Size()
	fmt.Println("size:", size)

	// Later the second site is struck. The owner rebuilds the tree from the
	// seed and the records, and reveals that record, its leaf and its proof.
	tree, err = seal.Build(records, seed)
	if err != nil {
		log.Fatal(err)
	}
	leaf := tree.Leaf(1)
	proof, err := tree.Prove(1)
	if err != nil {
		log.Fatal(err)
	}

	// Anyone checks it against the commitment published earlier.
	fmt.Println("proof of", len(proof), "hashes:", seal.Verify(root, size, leaf, records[1], proof))
	// The proof is for that record only.
	fmt.Println("another record:", seal.Verify(root, size, leaf, records[2], proof) != nil)
	// Output:
	// size: 1024
	// proof of 10 hashes: <nil>
	// another record: true
}
