package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/providers/vendorfile"
)

func newSimulateCmd() *cobra.Command {
	var (
		id   string
		addr string
		mode string
		opt  sim.Options
	)
	cmd := &cobra.Command{
		Use:   "simulate -p PROVIDER [--addr 127.0.0.1:8080] [--rate-limit N] [--latency D] [--fail-rate F] [--licences N]",
		Short: "Serve a faithful simulator of a vendor's API on loopback",
		Long: `simulate serves the vendor's create-user API (and the lookups onboard uses) as
the vendor's docs describe it: credentials, validation, error format, duplicates,
and on demand rate limiting with 429 and Retry-After, latency, 5xx answers,
dropped connections and a licence count. It prints the credentials it accepts.`,
		Example: `  onboard simulate -p alphalearn --addr 127.0.0.1:8080 --rate-limit 20 --fail-rate 0.05`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg, err := providers.Lookup(id)
			if err != nil {
				return fatal(err)
			}
			mo, err := simOptions(cmd.ErrOrStderr(), reg, mode)
			if err != nil {
				return fatal(err)
			}
			opt.Mode = mo.Mode
			s := reg.Simulator(opt)
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fatal(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s simulator listening on http://%s\n", reg.ID, ln.Addr())
			if opt.Mode != "" {
				fmt.Fprintf(out, "mode: %s\n", opt.Mode)
			}
			fmt.Fprintln(out, "it accepts these credentials (set them in the environment of 'onboard run'):")
			names := make([]string, 0, len(s.Credentials))
			for k := range s.Credentials {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				fmt.Fprintf(out, "  export %s=%s\n", k, s.Credentials[k])
			}
			p := reg.ID
			if vendorfile.IsPath(id) {
				p = id // a vendor file is named by its path in another process
			}
			fmt.Fprintf(out, "then: onboard run -p %s --base-url http://%s -o results.xlsx ROSTER\n", p, ln.Addr())
			srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second}
			go func() {
				<-cmd.Context().Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fatal(err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&id, "provider", "p", "", "vendor id")
	fl.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	fl.Float64Var(&opt.RateLimit, "rate-limit", 0, "requests per second before 429 with Retry-After (0: none)")
	fl.DurationVar(&opt.Latency, "latency", 0, "latency added to every answer")
	fl.Float64Var(&opt.FailRate, "fail-rate", 0, "share of creates answered 500 (0..1)")
	fl.Float64Var(&opt.DropRate, "drop-rate", 0, "share of creates whose connection is dropped (0..1)")
	fl.IntVar(&opt.Licences, "licences", 0, "licences available, for vendors that count them (0: unlimited)")
	fl.StringVar(&mode, "mode", "", "how the simulator deviates, for vendors that have modes (scim: rfc, 400-uniqueness, 409-no-scimtype, 401-non-scim)")
	_ = cmd.MarkFlagRequired("provider")
	return cmd
}
