package main

import (
	"os"
	"strings"
)

// loadAvg is the machine's 1-minute load average as /proc/loadavg says it,
// or "?" where there is none: paced and loopback figures move with it, so a
// section that measures them says what it was.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
