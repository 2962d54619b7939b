package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func writeSecret(t *testing.T, dir, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, SecretName), []byte(content), 0o444); err != nil {
		t.Fatal(err)
	}
}

func call(t *testing.T, h http.Handler, method, path, key string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestHealth(t *testing.T) {
	// Health must answer even when no secret is mounted.
	h := Handler([]string{t.TempDir()}, &atomic.Bool{})
	code, body := call(t, h, http.MethodGet, "/_/health", "")
	if code != http.StatusOK || body != "OK\n" {
		t.Fatalf("health = %d %q", code, body)
	}
}

func TestKeyCheck(t *testing.T) {
	primary, fallback := t.TempDir(), t.TempDir()
	// Docker/Kubernetes secrets often end in a newline; it must be trimmed.
	writeSecret(t, primary, "  R^YqzKzSJw51K9zPpQ3R3N\n")
	h := Handler([]string{primary, fallback}, &atomic.Bool{})
	cases := []struct {
		name, method, path, key string
		want                    string
	}{
		{"right key", http.MethodPost, "/", "R^YqzKzSJw51K9zPpQ3R3N", "Unlocked the function!\n"},
		{"right key GET any path", http.MethodGet, "/function/protectedapi", "R^YqzKzSJw51K9zPpQ3R3N", "Unlocked the function!\n"},
		{"no header", http.MethodPost, "/", "", "Access denied!\n"},
		{"wrong key", http.MethodPost, "/", "nope", "Access denied!\n"},
		{"header not trimmed", http.MethodPost, "/", "R^YqzKzSJw51K9zPpQ3R3N ", "Access denied!\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := call(t, h, c.method, c.path, c.key)
			if code != http.StatusOK || body != c.want {
				t.Fatalf("got %d %q, want 200 %q", code, body, c.want)
			}
		})
	}
}

func TestFallbackToRunSecrets(t *testing.T) {
	primary, fallback := t.TempDir(), t.TempDir()
	writeSecret(t, fallback, "old-style\n")
	h := Handler([]string{primary, fallback}, &atomic.Bool{})
	if code, body := call(t, h, http.MethodGet, "/", "old-style"); code != 200 || body != "Unlocked the function!\n" {
		t.Fatalf("fallback: got %d %q", code, body)
	}
	// The primary path wins when both exist.
	writeSecret(t, primary, "new-style")
	if _, body := call(t, h, http.MethodGet, "/", "old-style"); body != "Access denied!\n" {
		t.Fatalf("primary should win, got %q", body)
	}
	if _, body := call(t, h, http.MethodGet, "/", "new-style"); body != "Unlocked the function!\n" {
		t.Fatalf("primary: got %q", body)
	}
}

func TestEmptySecretNeverUnlocks(t *testing.T) {
	dir := t.TempDir()
	writeSecret(t, dir, "\n")
	h := Handler([]string{dir}, &atomic.Bool{})
	if code, body := call(t, h, http.MethodGet, "/", ""); code != 200 || body != "Access denied!\n" {
		t.Fatalf("empty secret: got %d %q", code, body)
	}
}

func TestMissingSecretIs500(t *testing.T) {
	h := Handler([]string{t.TempDir(), t.TempDir()}, &atomic.Bool{})
	code, body := call(t, h, http.MethodGet, "/", "anything")
	if code != http.StatusInternalServerError || body != "secret secret_api_key not found\n" {
		t.Fatalf("missing secret: got %d %q", code, body)
	}
}

func TestSecretDirsEnv(t *testing.T) {
	t.Setenv("secret_mount_path", "/custom/")
	got := secretDirs()
	if len(got) != 2 || got[0] != "/custom/" || got[1] != "/run/secrets" {
		t.Fatalf("secretDirs() = %v", got)
	}
	t.Setenv("secret_mount_path", "")
	if got := secretDirs(); got[0] != "/var/openfaas/secrets" {
		t.Fatalf("default secretDirs() = %v", got)
	}
}

func TestSha256OfAMountedSecret(t *testing.T) {
	dir := t.TempDir()
	content := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	if err := os.WriteFile(filepath.Join(dir, "ca-bundle"), content, 0o444); err != nil {
		t.Fatal(err)
	}
	h := Handler([]string{dir}, &atomic.Bool{})
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/_/sha256/ca-bundle", 200, fmt.Sprintf("%x", sha256.Sum256(content))},
		{"/_/sha256/missing", 404, "secret missing not found\n"},
		{"/_/sha256/.hidden", 400, "not a secret name\n"},
		{"/_/sha256/", 400, "not a secret name\n"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.status || rec.Body.String() != tc.body {
			t.Errorf("%s: got %d %q, want %d %q", tc.path, rec.Code, rec.Body.String(), tc.status, tc.body)
		}
	}
}

func TestAfterSIGTERMHealthFailsWhileRequestsAreStillServedThenTheServerStops(t *testing.T) {
	dir := t.TempDir()
	writeSecret(t, dir, "s3cret-value")
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := listener.Addr().String()
	listener.Close()
	draining := &atomic.Bool{}
	srv := &http.Server{Addr: addr, Handler: Handler([]string{dir}, draining)}
	stop := make(chan os.Signal, 1)
	result := make(chan error, 1)
	go func() { result <- serveUntilTerminated(srv, draining, stop, 300*time.Millisecond, time.Second) }()
	get := func(path string) (int, error) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if code, err := get("/_/health"); err == nil && code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server never answered")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop <- os.Interrupt
	time.Sleep(50 * time.Millisecond)
	if code, err := get("/_/health"); err != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("health while draining = %d, %v; want 503", code, err)
	}
	if code, err := get("/"); err != nil || code != http.StatusOK {
		t.Fatalf("a call while draining = %d, %v; want 200", code, err)
	}
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not stop after draining")
	}
	if _, err := get("/"); err == nil {
		t.Fatal("the server still answers after shutdown")
	}
}
