package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func fromOpenAPI(_ *cobra.Command, _, _, _ string) error {
	return fatal(errors.New("--from-openapi: not built yet"))
}
