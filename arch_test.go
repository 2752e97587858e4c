package truce_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDomainImports keeps the domain package free of storage, transport and
// the project's own packages: dependencies point one way.
func TestDomainImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{"net/http", "database/sql"}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range pf.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") {
				t.Errorf("%s imports %s: the domain package uses the standard library only", f, path)
			}
			for _, fb := range forbidden {
				if path == fb || strings.HasPrefix(path, fb+"/") {
					t.Errorf("%s imports %s: storage and transport live in internal/", f, path)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no domain files found")
	}
}
