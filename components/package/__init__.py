"""The component as a Pulumi package, for programs in any Pulumi language: its provider (`provider`),
run by `provider/__main__.py` when a program has done `pulumi package add`."""
