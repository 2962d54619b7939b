// Package shim exposes the upstream kreuzwerker/docker Terraform provider (SDKv2 part)
// to the Pulumi bridge. Its import path sits under the upstream module path, which is
// what allows the import of the upstream internal package.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the upstream SDKv2 provider. The version string is only used by the
// upstream for its user agent.
func NewProvider(version string) *schema.Provider {
	return provider.New(version)()
}
