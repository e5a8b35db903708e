// Package pgtest starts a throwaway PostgreSQL server for tests: Debian's
// postgresql package, run as the postgres user (initdb refuses root) in a
// temporary folder, listening on a free loopback port. Tests skip, saying
// how to install it, when no server binary is found.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Install is what the skip message tells a developer to run.
const Install = "install postgresql: apt-get install -y postgresql"

// Server is one running PostgreSQL cluster.
type Server struct {
	Bin  string // the folder holding initdb, postgres and pg_ctl
	Dir  string // the data folder
	Port int
	base string // the folder holding Dir, the socket and the log
	cred *syscall.Credential
}

// BinDir finds the newest /usr/lib/postgresql/*/bin holding postgres, or "".
func BinDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Start starts a server for t and stops it when t ends. It skips t when
// no server binary is installed.
func Start(t testing.TB) *Server {
	t.Helper()
	if BinDir() == "" {
		t.Skip(Install)
	}
	s, err := Run()
	if errors.Is(err, errNoUser) {
		t.Skipf("%v (%s)", err, Install)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// errNoUser is a root without a postgres user to run the server as.
var errNoUser = errors.New("running as root without a postgres user to run the server as")

// ErrNoServer is Run's error when no server binary is installed.
var ErrNoServer = errors.New("no PostgreSQL server binary (" + Install + ")")

// Run starts a server outside a test (the benchmarks); Stop stops it and
// removes its folder.
func Run() (*Server, error) {
	bin := BinDir()
	if bin == "" {
		return nil, ErrNoServer
	}
	s := &Server{Bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNoUser, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	base, err := os.MkdirTemp("", "onboard-pg-")
	if err != nil {
		return nil, err
	}
	s.base = base
	s.Dir = filepath.Join(base, "data")
	fail := func(err error) (*Server, error) {
		os.RemoveAll(base)
		return nil, err
	}
	if s.cred != nil {
		if err := os.Chown(base, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return fail(err)
		}
	}
	if out, err := s.cmd("initdb", "-D", s.Dir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8").CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}
	if s.Port, err = freePort(); err != nil {
		return fail(err)
	}
	conf := fmt.Sprintf("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nfsync = off\nmax_connections = 200\n", s.Port, base)
	f, err := os.OpenFile(filepath.Join(s.Dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fail(err)
	}
	f.WriteString(conf) //nolint:errcheck // a failed write shows as a failed start
	f.Close()
	if err := s.ctl("start", "-w", "-t", "60", "-l", filepath.Join(base, "log")); err != nil {
		return fail(err)
	}
	return s, nil
}

// Stop stops the server at once and removes its folder.
func (s *Server) Stop() {
	s.cmd("pg_ctl", "-D", s.Dir, "stop", "-m", "immediate", "-w").Run() //nolint:errcheck // best effort
	os.RemoveAll(s.base)
}

// URL is a connection string for database db as the postgres superuser.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// CreateDB creates a database and returns its connection string.
func (s *Server) CreateDB(t testing.TB, name string) string {
	t.Helper()
	u, err := s.CreateDatabase(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// CreateDatabase creates a database and returns its connection string.
func (s *Server) CreateDatabase(name string) (string, error) {
	out, err := s.cmd("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres", name).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("createdb %s: %v\n%s", name, err, out)
	}
	return s.URL(name), nil
}

// Restart restarts the server the fast way (pg_ctl restart -m fast), as a
// database failover or upgrade would: every connection is cut.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.ctl("restart", "-m", "fast", "-w", "-t", "60", "-l", filepath.Join(s.base, "log")); err != nil {
		t.Fatal(err)
	}
}

func (s *Server) ctl(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := s.cmd("pg_ctl", append([]string{"-D", s.Dir}, args...)...)
	c2 := exec.CommandContext(ctx, c.Path, c.Args[1:]...)
	c2.SysProcAttr, c2.Dir = c.SysProcAttr, c.Dir
	if out, err := c2.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.base, "log"))
		return fmt.Errorf("pg_ctl %s: %v\n%s\n%s", strings.Join(args, " "), err, out, log)
	}
	return nil
}

// cmd runs one of the server's programs as the postgres user when root.
func (s *Server) cmd(name string, args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(s.Bin, name), args...)
	c.Dir = os.TempDir()
	if s.cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return c
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
