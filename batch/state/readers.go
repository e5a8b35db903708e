package state

import "runtime"

// readSideBySide lets a read-only store answer on up to one connection
// per CPU, where a store a run writes keeps one: plan asks about several
// chunks at once, and WAL lets readers run side by side, each on its own
// snapshot of the last commit (as one connection's queries, one after
// another, already were). Nothing a read-only store does depends on the
// connection: no temporary tables, no per-connection settings after open.
func (s *Store) readSideBySide() {
	s.db.SetMaxOpenConns(max(2, runtime.GOMAXPROCS(0)))
	s.db.SetMaxIdleConns(max(2, runtime.GOMAXPROCS(0)))
}
