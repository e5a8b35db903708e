package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// spawnArg makes benchreport a go-between: `benchreport -spawn RSSFILE
// PROGRAM ARGS...` runs the program and writes its peak RSS to RSSFILE.
//
// On Linux a child's ru_maxrss starts at the peak RSS of the process that
// started it (os/exec shares the parent's memory until exec, and exec keeps
// the high-water mark of the memory it replaces), and benchreport is large
// after generating an XLSX. A freshly started go-between is small, so the
// figure it passes on is the program's own.
const spawnArg = "-spawn"

// spawn runs argv with this process's stdio and environment, writes its
// peak RSS in KiB to rssFile and returns its exit code. A SIGINT or SIGTERM
// (the parent's context ending) kills it.
func spawn(rssFile string, argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "benchreport -spawn: no program")
		return 2
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport -spawn:", err)
		return 2
	}
	go func() {
		<-sigs
		_ = cmd.Process.Kill()
	}()
	_ = cmd.Wait() // the exit code says it all
	rss := strconv.FormatInt(maxRSSKiB(cmd.ProcessState), 10)
	if err := os.WriteFile(rssFile, []byte(rss), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport -spawn:", err)
		return 2
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code
	}
	return 2 // killed by a signal
}

// readRSS reads what spawn wrote.
func readRSS(rssFile string) (int64, error) {
	b, err := os.ReadFile(rssFile)
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}
