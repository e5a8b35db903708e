// Package state is the reconcile stage's memory between runs: an embedded
// SQLite file (pure Go, modernc.org/sqlite) that records, per provider and
// tenant, which people onboard has created and under which vendor ID.
//
// It gives two guarantees to nightly runs that re-read the whole roster and
// may die at any moment (kill -9, reboot):
//
//   - nobody is created twice: a key is marked in_flight, durably, before its
//     create request is sent, so a run that dies before recording the answer
//     leaves a mark the next run resolves with a lookup instead of a blind
//     create (the marks are a journal the answers do not rewrite: see
//     journal.go);
//   - every run is accounted for: a run is "running" until EndRun, and a run
//     still "running" when the next one opens the file is marked "crashed".
//
// One run at a time: Open takes an exclusive OS lock (flock on path+".lock",
// Linux and other unix systems only) that the kernel drops when the process
// dies. OpenReadOnly takes no lock and is for history and lookup.
//
// The ledger never forgets: the WAL is checkpointed into the file at open,
// at EndRun and at Close, and a file that is not the one its lock file and
// -wal were written for (left open under another name, beside a -wal of
// another version of it, or emptied while its lock file shows a store) is
// refused with an IdentityError before SQLite reads it (see ledger.go).
// Backup makes an online, consistent copy in one file.
//
// Only keys, vendor IDs, statuses, counts, file names and hashes are stored;
// never a secret (base URLs are stored without user info or query).
package state
