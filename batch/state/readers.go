package state

import (
	"fmt"
	"runtime"
)

// readSideBySide lets a read-only store answer on up to one connection
// per CPU (a store a run writes keeps one for its writes, and reads
// people on reader connections of their own: see readStmts): plan asks about several
// chunks at once, and WAL lets readers run side by side, each on its own
// snapshot of the last commit (as one connection's queries, one after
// another, already were). Nothing a read-only store does depends on the
// connection: no temporary tables, no per-connection settings after open.
func (s *Store) readSideBySide() {
	s.db.SetMaxOpenConns(max(2, runtime.GOMAXPROCS(0)))
	s.db.SetMaxIdleConns(max(2, runtime.GOMAXPROCS(0)))
}

// AnyCreated reports whether the store holds anyone created in sc: Count
// for a caller that only asks whether it is 0 (plan's note on a store that
// knows people elsewhere), without counting a whole scope's people.
func (s *Store) AnyCreated(sc Scope) (bool, error) {
	sid, found, err := s.scopeID(sc, false)
	if err != nil || !found {
		return false, err
	}
	var yes bool
	if err := s.db.QueryRow(`SELECT EXISTS (SELECT 1 FROM people WHERE scope_id = ? AND status = 'created')`, sid).Scan(&yes); err != nil {
		return false, fmt.Errorf("state: any people: %w", err)
	}
	return yes, nil
}
