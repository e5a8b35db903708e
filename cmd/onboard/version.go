package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version and commit may be set at build time (make build passes
// -ldflags "-X main.version=… -X main.commit=…"); otherwise they come from
// the build info the go command embeds.
var version, commit = "", ""

// versionText is what --version and 'onboard version' print: the version,
// the commit it was built from and the Go toolchain, from the build info
// the go command embeds.
func versionText() string {
	v, rev, when, modified, goVersion := version, commit, "", false, runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	if rev == "" {
		rev = "unknown"
	} else {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if when != "" {
			rev += " (" + when + ")"
		}
		if modified {
			rev += " with local changes"
		}
	}
	return fmt.Sprintf("onboard %s\ncommit %s\nbuilt with %s %s/%s\n", v, rev, goVersion, runtime.GOOS, runtime.GOARCH)
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionText())
			return err
		},
	}
}

// shortVersion is the version alone, for stamps in files ("v1.2.0" or
// "devel a7cb3c2d1234").
func shortVersion() string {
	lines := strings.SplitN(versionText(), "\n", 3)
	v := strings.TrimPrefix(lines[0], "onboard ")
	if c := strings.Fields(strings.TrimPrefix(lines[1], "commit ")); v == "devel" && len(c) > 0 && c[0] != "unknown" {
		v += " " + c[0]
	}
	return v
}
