// Command api-key-protected is a small, dependency-free re-implementation of
// OpenFaaS's "ApiKeyProtected-Secrets" sample (openfaas/faas
// sample-functions/ApiKeyProtected-Secrets/handler.go), served directly over
// HTTP the way a function behind a watchdog is reached.
//
// Behaviour (kept identical to the original where it had one):
//   - GET /_/health            -> 200 "OK" (the watchdog health path)
//   - any other request        -> reads the secret "secret_api_key" from
//     /var/openfaas/secrets/ (OpenFaaS >= 0.8.2), falling back to
//     /run/secrets/ (Docker's default target, OpenFaaS <= 0.8.2);
//     compares it, trimmed of surrounding whitespace, with the X-Api-Key
//     request header and answers 200 "Unlocked the function!" on a match or
//     200 "Access denied!" otherwise (the original printed both and exited 0,
//     which the classic watchdog turns into HTTP 200).
//   - no secret file           -> 500 (the original called log.Fatal, which
//     the classic watchdog turns into HTTP 500).
//   - GET /_/sha256/<secret>    -> 200 and the SHA-256 (hex) of the mounted
//     file <secret>, 404 when there is none: not in the original; it lets a
//     test show that a large secret (a CA bundle) arrived byte for byte
//     without the secret crossing the wire.
//
// Environment honoured (as an OpenFaaS watchdog / go-sdk would):
//   - port                  listen port, default 8080
//   - secret_mount_path     primary secrets directory, default /var/openfaas/secrets/
//   - healthcheck_interval  after SIGTERM, how long /_/health answers 503 while
//     requests are still served, default 5s (the watchdogs default to write_timeout)
//   - write_timeout         the longest an in-flight request may then take to
//     finish, default 10s
//
// Shutdown is graceful as the OpenFaaS watchdogs' is (openfaas/of-watchdog
// 9bdadb1 pkg/watchdog.go:128-165 listenUntilShutdown, config/config.go:139-143;
// openfaas/classic-watchdog 23db914 main.go:113-145): on SIGTERM the health path
// turns unhealthy, requests keep being served for healthcheck_interval (Kubernetes
// removes a terminating pod from the Service's endpoints meanwhile, not at once),
// then the server stops accepting and waits for in-flight requests. A rolling
// update then fails no call.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// SecretName is the file name the original sample hard-codes.
const SecretName = "secret_api_key"

// DefaultSecretDirs is the lookup order of the original sample.
var DefaultSecretDirs = []string{"/var/openfaas/secrets", "/run/secrets"}

const (
	msgUnlocked = "Unlocked the function!"
	msgDenied   = "Access denied!"
)

// readSecret returns the trimmed content of the first readable <dir>/<name>.
func readSecret(dirs []string, name string) (string, error) {
	var errs []error
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, name))
		if err == nil {
			return strings.TrimSpace(string(b)), nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}

// Handler returns the function's HTTP handler, reading the secret from dirs
// on every request (secrets may be mounted or rotated after start). The health
// path answers 503 once draining is set (after SIGTERM).
func Handler(dirs []string, draining *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/_/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if draining.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "OK")
	})
	mux.HandleFunc("/_/sha256/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		name := strings.TrimPrefix(r.URL.Path, "/_/sha256/")
		if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
			http.Error(w, "not a secret name", http.StatusBadRequest)
			return
		}
		for _, d := range dirs {
			if b, err := os.ReadFile(filepath.Join(d, name)); err == nil {
				fmt.Fprintf(w, "%x", sha256.Sum256(b))
				return
			}
		}
		http.Error(w, "secret "+name+" not found", http.StatusNotFound)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		secret, err := readSecret(dirs, SecretName)
		if err != nil {
			log.Printf("cannot read secret %q: %v", SecretName, err)
			msg := "secret " + SecretName + " not found"
			if !errors.Is(err, fs.ErrNotExist) {
				msg = "secret " + SecretName + " unreadable"
			}
			http.Error(w, msg, http.StatusInternalServerError)
			return
		}
		if secret != "" && r.Header.Get("X-Api-Key") == secret {
			fmt.Fprintln(w, msgUnlocked)
			return
		}
		fmt.Fprintln(w, msgDenied)
	})
	return mux
}

func secretDirs() []string {
	if p := os.Getenv("secret_mount_path"); p != "" {
		return append([]string{p}, DefaultSecretDirs[1:]...)
	}
	return DefaultSecretDirs
}

// envDuration reads a Go duration or a number of seconds, as the watchdogs do.
func envDuration(name string, fallback time.Duration) time.Duration {
	value := os.Getenv(name)
	if value == "" {
		return fallback
	}
	if d, err := time.ParseDuration(value); err == nil {
		return d
	}
	var seconds int
	if _, err := fmt.Sscanf(value, "%d", &seconds); err == nil {
		return time.Duration(seconds) * time.Second
	}
	log.Printf("%s=%q is not a duration: using %s", name, value, fallback)
	return fallback
}

// serveUntilTerminated serves until SIGTERM (or stop), then drains: unhealthy for
// drain while still serving, then no new connections and in-flight requests
// given up to writeTimeout.
func serveUntilTerminated(srv *http.Server, draining *atomic.Bool, stop <-chan os.Signal, drain, writeTimeout time.Duration) error {
	done := make(chan error, 1)
	go func() {
		<-stop
		log.Printf("SIGTERM: health turns 503, still serving for %s", drain)
		draining.Store(true)
		time.Sleep(drain)
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-done
}

func main() {
	port := os.Getenv("port")
	if port == "" {
		port = "8080"
	}
	draining := &atomic.Bool{}
	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           Handler(secretDirs(), draining),
		ReadHeaderTimeout: 10 * time.Second,
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	log.Printf("api-key-protected listening on :%s", port)
	err := serveUntilTerminated(srv, draining, stop,
		envDuration("healthcheck_interval", 5*time.Second), envDuration("write_timeout", 10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("stopped")
}
