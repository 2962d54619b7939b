"""The package's provider, run by Pulumi's Python language host for a program that added it."""

import sys
from pathlib import Path

# The component's code is the project's, one folder up (the plugin is this folder).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.package.provider import serve

if __name__ == "__main__":
    serve()
