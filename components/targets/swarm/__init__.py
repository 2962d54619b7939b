"""The Docker Swarm target: its rules (`rules`) and its resources (`resources`), shaped as
faas-swarm made them; the wait for its services (`readiness`).

Import from the modules: this package stays empty so that importing one of them (the dynamic
provider's process unpickling `readiness`) does not import the others and `pulumi_docker`.
"""
