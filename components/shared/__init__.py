"""What every stage uses: secret values and their redaction, URLs, Go regular expressions, the
kubeconfig's whereabouts, describing a value without showing it. Imports nothing else of the
project but `components.errors`."""
