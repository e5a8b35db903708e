package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
)

// shareGroup is watch's --group: the drop folder's outputs are made
// readable by one named group (HR) as well as the service user, never by
// everyone: files 0640, folders 0750, both given to the group. A nil
// *shareGroup leaves every mode as onboard creates it (0600, 0750).
type shareGroup struct {
	name string
	gid  int
}

// lookupGroup finds the group by name (or number) on this machine.
func lookupGroup(name string) (*shareGroup, error) {
	if name == "" {
		return nil, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		if g, err = user.LookupGroupId(name); err != nil {
			return nil, fmt.Errorf("--group %s: no such group on this machine (see getent group)", name)
		}
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return nil, fmt.Errorf("--group %s: group ID %q is not a number", name, g.Gid)
	}
	return &shareGroup{name: g.Name, gid: gid}, nil
}

// dir gives the folder to the group, 0750.
func (g *shareGroup) dir(path string) error { return g.give(path, 0o750) }

// file gives the file to the group, 0640. A path that does not exist is
// nothing to share (a fix file is written only when there is something
// to fix).
func (g *shareGroup) file(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return g.give(path, 0o640)
}

func (g *shareGroup) give(path string, mode os.FileMode) error {
	if g == nil {
		return nil
	}
	if err := os.Lchown(path, -1, g.gid); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("--group %s: cannot give %s to the group: this user is not in it, or does not own the file (add the service user to %s)", g.name, path, g.name)
		}
		return fmt.Errorf("--group %s: %s: %w", g.name, path, err)
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("--group %s: %s: %w", g.name, path, err)
	}
	return nil
}
