package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/stores"
	"github.com/onboard/onboard/reports/outfile"
)

func newStateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Look after the state store (backup)",
		Long: `The state store is one SQLite file (--state, default onboard-state.db) with,
while a run has it open, a write-ahead log beside it (FILE-wal) that holds the
latest records. 'onboard state backup' copies it whole, safely, even while a
run writes it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newStateBackupCmd())
	return cmd
}

func newStateBackupCmd() *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "backup [--state FILE] DEST",
		Short: "Copy the state store into one consistent file, even while a run writes it",
		Long: `backup writes a consistent copy of the state store to DEST: one file that holds
every record, the ones still in the write-ahead log (FILE-wal) included, taken
while a run may be writing the store. Copying the file with cp misses what is
only in its -wal. DEST must not exist; it is written privately (mode 0600) and
appears only once whole. To restore, stop the runs and put the copy in place
of the store (or point --state at it).`,
		Example: "  onboard state backup --state /var/lib/onboard/state.db /backup/onboard-state-$(date +%F).db",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef(cmd, "want one argument, the backup's path (DEST), got %d", len(args))
			}
			if err := sf.resolve(cmd); err != nil {
				return err
			}
			return backupState(cmd, sf.state, args[0])
		},
	}
	sf.register(cmd, "state store")
	return cmd
}

func backupState(cmd *cobra.Command, file, dest string) error {
	if stores.IsShared(file) {
		return fatal(fmt.Errorf("%s is a PostgreSQL database: back it up with pg_dump (onboard state backup copies a state file)", stores.Name(file)))
	}
	// Never over a file: DEST may be a store in use, or the last good copy.
	for _, p := range []string{dest, dest + "-wal"} {
		if _, err := os.Lstat(p); err == nil {
			return fatal(fmt.Errorf("backup %s: %s exists; choose a new name (a backup never replaces a file)", dest, p))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fatal(fmt.Errorf("backup %s: %w", dest, err))
		}
	}
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		return fatal(fmt.Errorf("state file %s does not exist (nothing to back up; see --state)", file))
	}
	out, err := outfile.Create(dest)
	if err != nil {
		return fatal(fmt.Errorf("backup: %w", err))
	}
	defer out.Abort()
	if err := state.Backup(file, out.TempName()); err != nil {
		return fatal(err)
	}
	if err := out.Close(); err != nil {
		return fatal(fmt.Errorf("backup: %w", err))
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "backed up %s to %s\n", file, dest)
	return nil
}
