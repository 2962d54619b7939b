// Command pause is the sandbox ("pause") container of the local Kubernetes node: it holds the
// pod's namespaces, reaps orphaned children, and exits on SIGTERM or SIGINT. No registry can be
// reached here, so scripts/kube.sh builds it statically and packs it into an image itself.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range signals {
		if s == syscall.SIGCHLD {
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
			continue
		}
		os.Exit(0)
	}
}
