"""Every input check, in order, before a resource is declared: `preflight` turns plain settings and
secret values into the checked `Inputs` the `OpenFaaSStack` component deploys, or raises an
`InputError` that names the fix. Secret values pasted where they would be shown are found by
`exposure`."""

from components.preflight.inputs import Inputs, preflight

__all__ = ["Inputs", "preflight"]
