// Command tenantscope manages a Microsoft 365 / Entra ID tenant's
// identities, access and licences. See `tenantscope --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tenantscope/tenantscope/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
