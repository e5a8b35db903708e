package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/reports/outfile"
)

// fromOpenAPI writes a starting vendor file from an OpenAPI operation, to
// standard output or to output.
func fromOpenAPI(cmd *cobra.Command, spec, operation, output string) error {
	if operation == "" {
		return fatal(errors.New("--from-openapi needs --operation ID, the operationId of the create call"))
	}
	b, err := vendorfile.FromOpenAPI(spec, operation)
	if err != nil {
		return fatal(err)
	}
	if output == "" {
		_, err = cmd.OutOrStdout().Write(b)
		return err
	}
	// No half-written file: outfile renames into place on Close.
	f, err := outfile.Create(output)
	if err != nil {
		return fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		f.Abort()
		return fatal(err)
	}
	if err := f.Close(); err != nil {
		return fatal(err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: fill in its TODOs, then run onboard providers --check %s\n", output, output)
	return nil
}
