// Command pulumi-language-python is a minimal Pulumi language host for Python programs,
// written for this project (openfaas-stack). It implements the LanguageRuntime gRPC service
// of the Pulumi engine and runs programs through the `pulumi-language-python-exec` script
// shipped in the pulumi/pulumi sdk/v3 module, which must sit next to this binary.
//
// Supported: Handshake, GetRequiredPackages/GetRequiredPlugins (from pulumi-plugin.json files
// of the installed distributions), Run, RunPlugin (Python policy packs and plugins: the
// directory holding PulumiPolicy.yaml / PulumiPlugin.yaml run as `python -u <dir>`), GetPluginInfo,
// InstallDependencies (venv + pip install -r requirements.txt), About, GetProgramDependencies.
// Runtime options honoured: `virtualenv` (relative to the project, pack or plugin root).
// Everything else answers Unimplemented.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

const (
	execName = "pulumi-language-python-exec"
	// exit code the exec script uses after it printed a user-actionable message
	bailExitCode = 32
)

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	var root, virtualenv, executor string
	flag.StringVar(&root, "root", "", "project root directory (older engines)")
	flag.StringVar(&virtualenv, "virtualenv", "", "virtual environment (older engines)")
	flag.StringVar(&executor, "use-executor", "", "path of the pulumi-language-python-exec script")
	flag.String("tracing", "", "ignored")
	// Runtime options the engine also passes as flags when it starts the host for a plugin (a
	// PulumiPlugin.yaml); they arrive over gRPC too (ProgramInfo), which is what is read.
	flag.String("toolchain", "", "ignored: pip")
	flag.String("typechecker", "", "ignored")
	flag.Parse()

	if executor == "" {
		self, err := os.Executable()
		if err != nil {
			fatal("cannot determine own path: %v", err)
		}
		if r, err := filepath.EvalSymlinks(self); err == nil {
			self = r
		}
		executor = filepath.Join(filepath.Dir(self), execName)
	}
	if _, err := os.Stat(executor); err != nil {
		fatal("missing executor %s: %v", executor, err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		fatal("getting the working directory: %v", err)
	}

	var engine string
	if args := flag.Args(); len(args) > 0 {
		engine = args[0]
	}
	host := &languageHost{exec: executor, engine: engine, root: root, virtualenv: virtualenv, cwd: cwd}

	ctx, cancel := context.WithCancel(context.Background())
	cancelChannel := make(chan bool)
	go func() { <-ctx.Done(); close(cancelChannel) }()
	if engine != "" {
		if err := rpcutil.Healthcheck(ctx, engine, 5*time.Minute, cancel); err != nil {
			fatal("could not start health check: %v", err)
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fatal("could not start language host RPC server: %v", err)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fatal("language host RPC stopped serving: %v", err)
	}
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	exec       string
	cwd        string
	mu         sync.Mutex
	engine     string
	root       string
	virtualenv string
}

func (h *languageHost) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engine = req.GetEngineAddress()
	}
	if req.RootDirectory != nil {
		h.root = req.GetRootDirectory()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// python describes the interpreter to use for one request.
type python struct {
	cmd  string // interpreter
	venv string // absolute virtualenv path, or ""
}

func (h *languageHost) pythonFor(info *pulumirpc.ProgramInfo) (python, error) {
	h.mu.Lock()
	root, venv := h.root, h.virtualenv
	h.mu.Unlock()
	if info != nil {
		if info.GetRootDirectory() != "" {
			root = info.GetRootDirectory()
		}
		if opts := info.GetOptions(); opts != nil {
			if v, ok := opts.GetFields()["virtualenv"]; ok && v.GetStringValue() != "" {
				venv = v.GetStringValue()
			}
			if v, ok := opts.GetFields()["toolchain"]; ok {
				if t := v.GetStringValue(); t != "" && t != "pip" {
					return python{}, fmt.Errorf("runtime option toolchain=%q is not supported by this "+
						"language host (only pip with an optional virtualenv)", t)
				}
			}
		}
	}
	if root == "" {
		root = h.cwd
	}
	if venv != "" {
		if !filepath.IsAbs(venv) {
			venv = filepath.Join(root, venv)
		}
		return python{cmd: filepath.Join(venv, "bin", "python"), venv: venv}, nil
	}
	if c := os.Getenv("PULUMI_PYTHON_CMD"); c != "" {
		return python{cmd: c}, nil
	}
	for _, c := range []string{"python3", "python"} {
		if p, err := exec.LookPath(c); err == nil {
			return python{cmd: p}, nil
		}
	}
	return python{}, errors.New("no python3 or python on PATH (set PULUMI_PYTHON_CMD or the virtualenv option)")
}

// env returns the process environment with the virtualenv activated.
func (p python) env(extra ...string) []string {
	return p.envFrom(os.Environ(), extra...)
}

// envFrom returns `env` with the virtualenv activated and `extra` appended.
func (p python) envFrom(env []string, extra ...string) []string {
	if p.venv == "" {
		return append(append([]string(nil), env...), extra...)
	}
	out := make([]string, 0, len(env)+len(extra)+2)
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, "PYTHONHOME="), strings.HasPrefix(kv, "VIRTUAL_ENV="):
		case strings.HasPrefix(kv, "PATH="):
			out = append(out, "PATH="+filepath.Join(p.venv, "bin")+string(os.PathListSeparator)+kv[len("PATH="):])
		default:
			out = append(out, kv)
		}
	}
	return append(append(out, "VIRTUAL_ENV="+p.venv), extra...)
}

func (p python) check() error {
	if p.venv == "" {
		return nil
	}
	if _, err := os.Stat(p.cmd); err != nil {
		return fmt.Errorf("the 'virtualenv' option in Pulumi.yaml is set to %q, but %s does not exist; "+
			"create it with `python3 -m venv %s` and install the requirements", p.venv, p.cmd, p.venv)
	}
	return nil
}

func (p python) output(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, p.cmd, args...)
	cmd.Dir = dir
	cmd.Env = p.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", p.cmd, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// listPluginsScript prints the pulumi-plugin.json contents of every installed distribution.
const listPluginsScript = `
import json, importlib.metadata as md
out = []
for d in md.distributions():
    for f in (d.files or []):
        if f.name == "pulumi-plugin.json":
            try:
                data = json.loads(f.read_text())
            except Exception:
                continue
            if data.get("resource"):
                out.append(data)
print(json.dumps(out))
`

type pluginJSON struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
	// Parameterized packages (base provider + parameter value) are not supported here.
	Parameterization *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Value   string `json:"value"`
	} `json:"parameterization"`
}

func (h *languageHost) requiredPlugins(ctx context.Context, info *pulumirpc.ProgramInfo) ([]pluginJSON, error) {
	py, err := h.pythonFor(info)
	if err != nil {
		return nil, err
	}
	if err := py.check(); err != nil {
		return nil, err
	}
	out, err := py.output(ctx, h.programDir(info), "-c", listPluginsScript)
	if err != nil {
		return nil, err
	}
	var plugins []pluginJSON
	if err := json.Unmarshal(out, &plugins); err != nil {
		return nil, fmt.Errorf("parsing plugin list: %w", err)
	}
	seen := map[string]bool{}
	var res []pluginJSON
	for _, p := range plugins {
		key := p.Name + "@" + p.Version
		if p.Name == "" || seen[key] {
			continue
		}
		seen[key] = true
		if p.Version != "" && !strings.HasPrefix(p.Version, "v") {
			p.Version = "v" + p.Version
		}
		res = append(res, p)
	}
	return res, nil
}

func (h *languageHost) programDir(info *pulumirpc.ProgramInfo) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	return h.cwd
}

func (h *languageHost) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	plugins, err := h.requiredPlugins(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, p := range plugins {
		dep := &pulumirpc.PackageDependency{Kind: "resource", Name: p.Name, Version: p.Version, Server: p.Server}
		if p.Parameterization != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{
				Name: p.Parameterization.Name, Version: p.Parameterization.Version,
				Value: []byte(p.Parameterization.Value),
			}
		}
		resp.Packages = append(resp.Packages, dep)
	}
	return resp, nil
}

func (h *languageHost) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	plugins, err := h.requiredPlugins(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range plugins {
		if p.Parameterization != nil {
			continue
		}
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Kind: "resource", Name: p.Name, Version: p.Version, Server: p.Server,
		})
	}
	return resp, nil
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	py, err := h.pythonFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := py.check(); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	h.mu.Lock()
	engine, root := h.engine, h.root
	h.mu.Unlock()
	if req.GetInfo().GetRootDirectory() != "" {
		root = req.GetInfo().GetRootDirectory()
	}

	args := []string{"-u", h.exec}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", fmt.Sprint(req.GetDryRun()))
	add("parallel", fmt.Sprint(req.GetParallel()))
	add("organization", req.GetOrganization())
	add("root_directory", root)
	program := req.GetProgram()
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config := req.GetConfig()
	if config == nil {
		config = map[string]string{} // the exec script needs a JSON object, not null
	}
	cfg, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keys, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, py.cmd, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = py.env("PULUMI_CONFIG="+string(cfg), "PULUMI_CONFIG_SECRET_KEYS="+string(keys))
	if req.GetPwd() != "" {
		cmd.Dir = req.GetPwd()
	}
	if err := cmd.Run(); err != nil {
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("problem executing program (could not run language executor): %v", err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a plugin written in Python, such as a policy pack (kind "analyzer"): the engine
// found its PulumiPolicy.yaml (or PulumiPlugin.yaml) with `runtime: python` and sends the
// directory as the program info, the engine's address as the arguments and the environment to
// use. The program is started as `python -u <program directory>/<entry point>` (a directory runs
// its __main__.py, as the Python policy SDK expects) with the interpreter of the plugin's own
// `virtualenv` option, and its output goes back as a stream of stdout / stderr messages ended by
// the exit code. A policy pack prints the port of its Analyzer server on stdout (unbuffered, hence
// -u) and serves until the engine ends the call, which stops the process (interrupt, then kill).
func (h *languageHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	info := req.GetInfo()
	py, err := h.pythonFor(info)
	if err != nil {
		return err
	}
	if py.venv != "" {
		if _, err := os.Stat(py.cmd); err != nil {
			return fmt.Errorf("%s plugin %q: the 'virtualenv' option of its runtime is %q, but %s does not "+
				"exist; create it with `python3 -m venv %s` and `%s -m pip install -r requirements.txt` "+
				"in the plugin's directory", req.GetKind(), req.GetName(), py.venv, py.cmd, py.venv, py.cmd)
		}
	}

	dir := info.GetProgramDirectory()
	if dir == "" {
		dir = info.GetRootDirectory()
	}
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram() // deprecated field, older engines
	}
	if entry == "" {
		entry = "."
	}
	program := entry
	if !filepath.IsAbs(program) && dir != "" {
		program = filepath.Join(dir, entry)
	}

	base := req.GetEnv()
	if len(base) == 0 {
		base = os.Environ()
	}
	cmd := exec.CommandContext(ctx, py.cmd, append([]string{"-u", program}, req.GetArgs()...)...)
	cmd.Env = py.envFrom(base)
	cmd.Dir = req.GetPwd()
	if cmd.Dir == "" {
		cmd.Dir = dir
	}
	// When the engine ends the call: interrupt first (the policy SDK stops its server on
	// KeyboardInterrupt), kill if it is still running after a while.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 5 * time.Second

	// exec copies stdout and stderr in two goroutines; a gRPC stream allows one sender at a time.
	var sendMu sync.Mutex
	send := func(resp *pulumirpc.RunPluginResponse) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return server.Send(resp)
	}
	cmd.Stdout = &streamWriter{send: func(b []byte) error {
		return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	}}
	cmd.Stderr = &streamWriter{send: func(b []byte) error {
		return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	}}

	var code int32
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("running %s plugin %q with %s: %w", req.GetKind(), req.GetName(), py.cmd, err)
		}
		code = int32(exitErr.ExitCode())
	}
	if ctx.Err() != nil {
		return nil // the engine ended the call; nobody reads an exit code any more
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// InstallDependencies creates the virtualenv (if configured and missing) and runs
// `pip install -r requirements.txt` when that file exists.
func (h *languageHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	ctx := server.Context()
	py, err := h.pythonFor(req.GetInfo())
	if err != nil {
		return err
	}
	dir := req.GetDirectory()
	if dir == "" {
		dir = h.programDir(req.GetInfo())
	}
	w := &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b})
	}}
	ew := &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b})
	}}
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Stdout, cmd.Stderr, cmd.Env = dir, w, ew, py.env()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
		}
		return nil
	}
	if py.venv != "" {
		if _, err := os.Stat(py.cmd); err != nil {
			base := os.Getenv("PULUMI_PYTHON_CMD")
			if base == "" {
				base = "python3"
			}
			if err := run(base, "-m", "venv", py.venv); err != nil {
				return err
			}
		}
	}
	reqs := filepath.Join(dir, "requirements.txt")
	if _, err := os.Stat(reqs); err == nil {
		return run(py.cmd, "-m", "pip", "install", "-r", reqs)
	}
	return nil
}

type streamWriter struct{ send func([]byte) error }

func (s *streamWriter) Write(b []byte) (int, error) {
	c := append([]byte(nil), b...)
	if err := s.send(c); err != nil {
		return 0, err
	}
	return len(b), nil
}

var _ io.Writer = (*streamWriter)(nil)

func (h *languageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	py, err := h.pythonFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	out, err := py.output(ctx, h.programDir(req.GetInfo()), "-c",
		"import sys, platform; print(sys.executable); print(platform.python_version())")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	resp := &pulumirpc.AboutResponse{Executable: lines[0]}
	if len(lines) > 1 {
		resp.Version = lines[1]
	}
	return resp, nil
}

func (h *languageHost) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	py, err := h.pythonFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	out, err := py.output(ctx, h.programDir(req.GetInfo()), "-c",
		"import json, importlib.metadata as md; "+
			"print(json.dumps(sorted({d.metadata['Name']: d.version for d in md.distributions()}.items())))")
	if err != nil {
		return nil, err
	}
	var pairs [][2]string
	if err := json.Unmarshal(out, &pairs); err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range pairs {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: p[0], Version: p[1]})
	}
	return resp, nil
}
