// Command pulumi-language-yaml is Pulumi's YAML language host (github.com/pulumi/pulumi-yaml,
// pinned in toolchain/versions.env) with one method added: Link. `pulumi package add` of CLI 3.274
// ends by asking the program's language host to link the generated SDK into the project; a YAML
// program has no SDK to link (it uses the package's schema), but pulumi-yaml v1.25.0, the newest
// release the module proxy serves, does not implement Link, so `package add` failed before it
// wrote `packages:` into Pulumi.yaml. Everything else is pulumi-yaml's own server.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-yaml/pkg/server"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

type linkingHost struct {
	pulumirpc.LanguageRuntimeServer
}

// Link has nothing to do for YAML: the program refers to the package by name in `packages:`.
func (linkingHost) Link(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return &pulumirpc.LinkResponse{}, nil
}

func main() {
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint")
	flag.String("root", "", "root of the program (unused)")
	flag.String("compiler", "", "obsolete")
	flag.Parse()
	engine := ""
	if flag.NArg() > 0 {
		engine = flag.Arg(0)
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, linkingHost{server.NewLanguageHost(engine, *tracing, false)})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-yaml: could not serve: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-yaml: stopped serving: %v\n", err)
		os.Exit(1)
	}
}
