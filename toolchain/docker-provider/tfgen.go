//go:build tfgen

// Schema generator: `go run -tags tfgen . schema --out <dir>` writes schema.json and
// bridge-metadata.json from the upstream provider's Terraform schema.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
)

func main() {
	tfgen.Main(pkgName, version, providerInfo([]byte("{}")))
}
