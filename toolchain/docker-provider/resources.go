// Bridge mapping for our own build of pulumi-resource-docker.
//
// It maps the upstream kreuzwerker/docker Terraform provider (SDKv2 part) through
// pulumi-terraform-bridge with the tokens and property names that the PyPI package
// pulumi-docker 5.x expects, so that the published Python SDK works unchanged against it.
// Written for this project; see README.md next to this file.
package main

import (
	"context"
	"runtime"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"

	"github.com/terraform-providers/terraform-provider-docker/shim"
)

const (
	pkgName = "docker"
	modName = "index"
)

// version is set with -ldflags "-X main.version=<x.y.z>" (no leading v).
var version = "0.0.0-dev"

// providerInfo builds the bridge description. metadata is the bridge-metadata.json
// produced by tfgen (an empty object while tfgen itself runs).
func providerInfo(metadata []byte) tfbridge.ProviderInfo {
	p := shimv2.NewProvider(shim.NewProvider(version))

	res := func(name string) *tfbridge.ResourceInfo {
		return &tfbridge.ResourceInfo{Tok: tfbridge.MakeResource(pkgName, modName, name)}
	}
	ds := func(name string) *tfbridge.DataSourceInfo {
		return &tfbridge.DataSourceInfo{Tok: tfbridge.MakeDataSource(pkgName, modName, name)}
	}

	container := res("Container")
	container.DeleteBeforeReplace = true
	container.Fields = map[string]*tfbridge.SchemaInfo{
		// a single command line, despite being a list
		"command": {Name: "command"},
		// not pluralised in pulumi-docker
		"networks_advanced": {Name: "networksAdvanced"},
	}

	remoteImage := res("RemoteImage")
	remoteImage.Fields = map[string]*tfbridge.SchemaInfo{
		// the image reference; must not be auto-named
		"name": {Name: "name"},
	}

	prov := tfbridge.ProviderInfo{
		P:            p,
		Name:         pkgName,
		Version:      version,
		Description:  "A Pulumi package for interacting with Docker in Pulumi programs",
		Keywords:     []string{"pulumi", "docker"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-docker",
		GitHubOrg:    "kreuzwerker",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Config: map[string]*tfbridge.SchemaInfo{
			// DOCKER_HOST, else the platform's default daemon socket (the upstream's
			// DefaultFunc does the same, but the bridge needs the value for a required field)
			"host": {
				Default: &tfbridge.DefaultInfo{
					EnvVars: []string{"DOCKER_HOST"},
					ComputeDefault: func(context.Context, tfbridge.ComputeDefaultOptions) (interface{}, error) {
						if runtime.GOOS == "windows" {
							return "npipe:////./pipe/docker_engine", nil
						}
						return "unix:///var/run/docker.sock", nil
					},
				},
			},
			"registry_auth": {
				Name:        "registryAuth", // not plural in pulumi-docker
				MaxItemsOne: tfbridge.False(),
			},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_buildx_builder": res("BuildxBuilder"),
			"docker_config":         res("ServiceConfig"),
			"docker_container":      container,
			"docker_image":          remoteImage,
			"docker_network":        res("Network"),
			"docker_plugin":         res("Plugin"),
			"docker_registry_image": res("RegistryImage"),
			"docker_secret":         res("Secret"),
			"docker_service":        res("Service"),
			"docker_tag":            res("Tag"),
			"docker_volume":         res("Volume"),
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image":                    ds("getRemoteImage"),
			"docker_logs":                     ds("getLogs"),
			"docker_network":                  ds("getNetwork"),
			"docker_plugin":                   ds("getPlugin"),
			"docker_registry_image":           ds("getRegistryImage"),
			"docker_registry_image_manifests": ds("getRegistryImageManifests"),
		},
		Python: &tfbridge.PythonInfo{
			Requires: map[string]string{"pulumi": ">=3.0.0,<4.0.0"},
		},
	}

	// Anything the upstream adds later gets a standard token in module "index".
	prov.MustComputeTokens(tokens.SingleModule("docker_", modName, tokens.MakeStandard(pkgName)))
	// Unset "name" inputs become "<resource name>-<7 random hex>", as in pulumi-docker.
	prov.SetAutonaming(255, "-")
	prov.MustApplyAutoAliases()
	return prov
}
