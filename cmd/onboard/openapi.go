package main

import (
	"github.com/spf13/cobra"
)

func fromOpenAPI(cmd *cobra.Command, spec, operation, output string) error {
	return fatal(errNotYet)
}
