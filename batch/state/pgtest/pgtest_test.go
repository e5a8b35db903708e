package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartServesQueriesAndSurvivesRestart(t *testing.T) {
	s := Start(t)
	url := s.CreateDB(t, "probe")
	ctx := context.Background()
	ask := func() int {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var n int
		if err := c.QueryRow(ctx, `SELECT 40 + 2`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := ask(); n != 42 {
		t.Fatalf("got %d", n)
	}
	s.Restart(t)
	if n := ask(); n != 42 {
		t.Fatalf("after restart got %d", n)
	}
}
