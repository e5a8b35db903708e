package pgstate

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// reconnectFor is how long a statement is tried again while the database
// is unreachable (a restart, a failover): the pool reconnects meanwhile.
const reconnectFor = 60 * time.Second

// transient reports whether err is the connection's, not the statement's:
// the server shutting down or restarting (SQLSTATE classes 57 and 08), or
// no server answering at all; or the server rolled the transaction back to
// break a deadlock or a serialization failure (class 40), which nothing in
// it caused for good: processes that share people lock their rows in
// different orders (a claim in key order, a batch of outcomes in the
// order answers came, the lease renewal in the table's), and PostgreSQL
// picks one to roll back.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "57") || strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "40")
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "connection refused")
}

// retry runs fn until it succeeds, fails for a reason of its own, or the
// database stayed away for reconnectFor. fn must be safe to run again
// (every statement here is, or runs in a transaction that rolled back).
func (s *Store) retry(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(reconnectFor)
	for {
		err := fn()
		if !transient(err) || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		if !sleep(ctx, 250*time.Millisecond) {
			return err
		}
	}
}

func (s *Store) exec(ctx context.Context, sql string, args ...any) (tag pgconn.CommandTag, err error) {
	err = s.retry(ctx, func() error {
		tag, err = s.pool.Exec(ctx, sql, args...)
		return err
	})
	return tag, err
}

func (s *Store) row(ctx context.Context, sql string, args []any, dest ...any) error {
	return s.retry(ctx, func() error { return s.pool.QueryRow(ctx, sql, args...).Scan(dest...) })
}

func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.retry(ctx, func() error { return pgx.BeginFunc(ctx, s.pool, fn) })
}
