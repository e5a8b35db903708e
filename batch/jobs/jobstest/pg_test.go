package jobstest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartAnswers(t *testing.T) {
	s := Start(t)
	url := s.NewDB(t)
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT 1+1").Scan(&n); err != nil || n != 2 {
		t.Fatalf("SELECT 1+1 = %d, %v", n, err)
	}
}
