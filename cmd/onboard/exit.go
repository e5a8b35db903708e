package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/onboard/onboard/reports/outfile"
)

// Exit codes, as the README documents them.
const (
	exitOK          = 0
	exitSomeFailed  = 1 // some rows invalid, or failed at the vendor
	exitFatal       = 2 // bad file, bad mapping, auth failure before any create, cannot write output
	exitInterrupted = 130
)

// exitError carries an exit code up to Main; commands never call os.Exit.
type exitError struct {
	code int
	err  error // nil: nothing more to print
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// fatal marks err as a fatal error (exit 2).
func fatal(err error) error { return &exitError{code: exitFatal, err: err} }

// Main runs the command line and returns the exit code. The first SIGINT or
// SIGTERM is a soft stop (finish what is in flight, write the results); a
// second one exits at once.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "onboard: stopping: letting requests in flight finish and writing the results (Ctrl-C again to abort)")
				stop()
				continue
			}
			fmt.Fprintln(stderr, "onboard: aborted")
			runAbortHook()
			outfile.AbortAll() // no half-written output, no temporary file left
			os.Exit(exitInterrupted)
		}
	}()

	return execute(ctx, args, stdout, stderr)
}

// execute runs the command line under ctx and returns the exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if rerr := requiredFlagError(cmd); rerr != nil && strings.HasPrefix(err.Error(), "required flag") {
		err = rerr
	}
	if cmd == root && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		// "onboard rnu -p x": cobra parses the flags as root's first and
		// says "unknown flag -p"; the mistake is the command's name.
		if aerr := root.Args(root, args[:1]); aerr != nil {
			err = aerr
		}
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "onboard:", ee.err)
		}
		return ee.code
	}
	// Cobra's own errors that friendlyCommands did not reword.
	fmt.Fprintf(stderr, "onboard: %v (see 'onboard --help')\n", err)
	return exitFatal
}

// abortHook records the current run as aborted before a second Ctrl-C
// exits; runFile sets it while a run is under way.
var abortHook atomic.Pointer[func()]

func setAbortHook(fn func()) {
	if fn == nil {
		abortHook.Store(nil)
		return
	}
	abortHook.Store(&fn)
}

// runAbortHook runs the hook, waiting at most two seconds for it.
func runAbortHook() {
	fn := abortHook.Load()
	if fn == nil {
		return
	}
	done := make(chan struct{})
	go func() { (*fn)(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
}
