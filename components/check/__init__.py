"""Stage 6: after deploy, invoke each function as a check. The data path: `parse` turns the
`checks` config into one `spec.CheckSpec` per function (`answer` says what a passing answer is);
`resource.InvokeCheck` stores the spec as its properties (`props`) and, on `up`, runs the probe
loop (`probe.run_check`), which sends through `transport` (the gateway over HTTP, or the Kubernetes
API server's `service_proxy`)."""
