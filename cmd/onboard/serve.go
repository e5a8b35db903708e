package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// serveFlags are `onboard serve`'s flags: where it listens, who may use
// it, and the run settings IT keeps (the page offers no rate or worker
// choice: those are the vendor's limits, not the uploader's).
type serveFlags struct {
	addr         string
	auth         string // "", "htpasswd", "proxy"
	htpasswd     string
	trustedProxy string
	proxyHeader  string
	dir          string
	keep         int // days
	config       string
	simulate     bool
	baseURL      string
	timeout      time.Duration
	submit       submit.Options
	metrics      string // ADDR for Prometheus' /metrics, "" off
	state        string // postgres://…: Start enqueues for `onboard worker`
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--dir onboard-serve] [--auth htpasswd|proxy]",
		Short: "Serve the web page where HR uploads, maps, fixes, plans and runs a roster",
		Long: `serve runs the page for people who upload rosters: upload a CSV/XLSX, map its
columns, see and fix every problem in place, see the plan, run it and download
the results, the same files 'onboard run' writes. The run belongs to the server:
closing the tab does not stop it.

It listens on 127.0.0.1 and prints a URL with a one-time token that logs the
browser in. An address other machines can reach needs --auth htpasswd (a file
of user:bcrypt-hash lines) or --auth proxy (a header set by a reverse proxy at
--trusted-proxy). Vendor credentials come from the environment or --config, as
for run, and never reach the page. Uploaded rosters, results and the state
store live under --dir (files 0600), kept --keep days.`,
		Example: `  onboard serve --simulate
  ONBOARD_TOKEN=... onboard serve --dir /var/lib/onboard --keep 30
  onboard serve --addr 0.0.0.0:8443 --auth proxy --trusted-proxy 127.0.0.1 --proxy-header X-Forwarded-User`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), cmd, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (another machine's reach needs --auth)")
	fl.StringVar(&f.auth, "auth", "", "how users log in when the address is reachable from other machines: htpasswd or proxy")
	fl.StringVar(&f.htpasswd, "htpasswd", "", "--auth htpasswd: file of user:bcrypt-hash lines (htpasswd -B)")
	fl.StringVar(&f.trustedProxy, "trusted-proxy", "", "--auth proxy: the reverse proxy's IP address or CIDR; requests from elsewhere are refused")
	fl.StringVar(&f.proxyHeader, "proxy-header", "X-Forwarded-User", "--auth proxy: the header holding the logged-in user's name")
	fl.StringVar(&f.dir, "dir", "onboard-serve", "folder for uploaded rosters, results and the state store (created 0700)")
	fl.IntVar(&f.keep, "keep", 30, "days a job and its files are kept")
	fl.StringVar(&f.state, "state", "", "postgres://HOST/DB (or "+stateEnv+", from the environment or --config): Start queues the run for 'onboard worker' on any machine instead of running it here (default: the SQLite store under --dir)")
	fl.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics, as the worker does; a bare port listens on loopback only (default: off)")
	fl.StringVar(&f.config, "config", "", "credentials file of KEY=VALUE lines (the environment wins)")
	fl.BoolVar(&f.simulate, "simulate", false, "every run and plan goes to the vendor's simulator (a demo: no credentials needed)")
	fl.StringVar(&f.baseURL, "base-url", "", "vendor host (default: the vendor's production host)")
	fl.DurationVar(&f.timeout, "timeout", providers.DefaultTimeout, "deadline of one vendor call")
	fl.Float64Var(&f.submit.Rate, "rate", 5, "requests per second (0: unlimited)")
	fl.IntVar(&f.submit.Burst, "burst", 1, "requests allowed at once after an idle spell")
	fl.IntVar(&f.submit.Workers, "workers", 4, "requests in flight at once")
	fl.IntVar(&f.submit.Retries, "retries", 3, "retries of 429, 5xx and network errors, with backoff")
	fl.IntVar(&f.submit.Breaker, "breaker", submit.DefaultBreaker, "stop sending after this many rows in a row fail the same way (0: off)")
	return cmd
}

// checkListen refuses an address other machines can reach unless users
// must log in; the error is the one line the user sees.
func (f *serveFlags) checkListen() error {
	switch f.auth {
	case "":
	case "htpasswd":
		if f.htpasswd == "" {
			return errors.New("--auth htpasswd needs --htpasswd FILE (lines of user:bcrypt-hash, made with htpasswd -B)")
		}
	case "proxy":
		if f.trustedProxy == "" {
			return errors.New("--auth proxy needs --trusted-proxy ADDRESS: the header is believed only from the proxy")
		}
		if _, err := parseTrusted(f.trustedProxy); err != nil {
			return err
		}
	default:
		return fmt.Errorf("--auth %q: use htpasswd or proxy", f.auth)
	}
	host, _, err := net.SplitHostPort(f.addr)
	if err != nil {
		return fmt.Errorf("--addr %q: want HOST:PORT, such as 127.0.0.1:8080", f.addr)
	}
	if f.auth == "" && !isLoopbackHost(host) {
		return fmt.Errorf("--addr %s can be reached from other machines: add --auth htpasswd or --auth proxy, or listen on 127.0.0.1", f.addr)
	}
	if f.keep < 1 {
		return fmt.Errorf("--keep %d: want 1 or more days", f.keep)
	}
	return nil
}

// isLoopbackHost: only this machine can connect.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func serve(ctx context.Context, cmd *cobra.Command, f *serveFlags) error {
	if err := f.checkListen(); err != nil {
		return fatal(err)
	}
	if _, err := queueURL(f); err != nil { // a password in argv is refused before --dir is made
		return fatal(err)
	}
	if f.baseURL != "" && !f.simulate {
		if err := providers.CheckBaseURL(f.baseURL, false); err != nil {
			return fatal(err)
		}
	}
	s, err := newServer(f, cmd.ErrOrStderr())
	if err != nil {
		return fatal(err)
	}
	defer s.close()
	if f.metrics != "" {
		_, stop, err := serveMetrics(f.metrics, s.metrics, cmd.ErrOrStderr())
		if err != nil {
			return fatal(err)
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fatal(err)
	}
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/"
	if s.auth.mode == "" {
		url += "?token=" + s.auth.token
		fmt.Fprintf(cmd.OutOrStdout(), "onboard serve: open %s (the token works once)\n", url)
	} else {
		fmt.Fprintf(cmd.OutOrStdout(), "onboard serve: listening on %s (login: --auth %s)\n", url, s.auth.mode)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "onboard serve: files under %s; jobs kept %d days\n", s.dir, f.keep)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fatal(err)
	case <-ctx.Done():
	}
	// Ctrl-C: stop taking requests, let running jobs write their results.
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	s.stopRuns()
	return nil
}

// prepareDir makes the serve folder private: rosters are personal data.
func prepareDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(abs, "jobs"), 0o700); err != nil {
		return "", fmt.Errorf("--dir %s: %w", dir, err)
	}
	if err := os.Chmod(abs, 0o700); err != nil {
		return "", fmt.Errorf("--dir %s: %w", dir, err)
	}
	return abs, nil
}

// commandFor is a command for calling a command's function from the page
// (plan): its context, and its output kept from the server's terminal.
func commandFor(ctx context.Context, out io.Writer) *cobra.Command {
	c := &cobra.Command{}
	c.SetContext(ctx)
	c.SetOut(out)
	c.SetErr(out)
	return c
}

func parseExisting(s string) (submit.Existing, error) { return submit.ParseExisting(s) }

// simDefault: a simulator in its documented behaviour, asked only which
// client type the vendor has.
var simDefault = sim.Options{}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
