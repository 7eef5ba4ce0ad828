// Command gendocs writes docs/permissions.md from the permission catalogue
// (internal/permission). Run it with `go generate ./internal/permission`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tenantscope/tenantscope/internal/permission"
)

func main() {
	out := flag.String("out", "docs/permissions.md", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, permission.Markdown(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
