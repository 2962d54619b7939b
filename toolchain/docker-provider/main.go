//go:build !tfgen

// pulumi-resource-docker: serves the bridged provider with the schema generated at build time.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
)

// Both files are generated at build time by `go run -tags tfgen .` (see
// scripts/toolchain/docker-provider.sh) and are never committed.

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed bridge-metadata.json
var bridgeMetadata []byte

func main() {
	tfbridge.Main(pkgName, version, providerInfo(bridgeMetadata), pulumiSchema)
}
