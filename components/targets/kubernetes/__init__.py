"""The Kubernetes target: its rules (`rules`), its cluster access (`cluster`) and its resources
(`resources`), shaped as faas-netes makes them; the waits and looks at the cluster beside them.

Import from the modules: this package stays empty so that importing one of them (the dynamic
provider's process unpickling `readiness`) does not import the others and `pulumi_kubernetes`.
"""
