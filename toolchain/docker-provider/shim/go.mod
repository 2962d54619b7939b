// A tiny module that lives under the upstream provider's import path, so that Go's
// internal-package rule lets it import .../internal/provider. It is wired in through a
// local replace in ../go.mod; the upstream module itself comes from the Go module proxy.
module github.com/terraform-providers/terraform-provider-docker/shim

go 1.25.8

require (
	github.com/hashicorp/terraform-plugin-sdk/v2 v2.40.1
	github.com/terraform-providers/terraform-provider-docker v0.0.0
)
