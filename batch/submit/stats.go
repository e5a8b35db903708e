package submit

import "time"

// Stats describes what a run sent.
type Stats struct {
	Requests    int64 // create requests sent, retries included
	Lookups     int64 // Find requests sent
	RateLimited int64 // 429 answers seen
	// Limit is the rate in force at the end, in requests per second; 0
	// means unlimited. Below Options.Rate when 429s lowered it.
	Limit float64
	// First and Last are when the first and last create requests went.
	First, Last time.Time
}

// Achieved is the create rate achieved: the gaps between the first and the
// last request over the time they span. Counting gaps rather than requests
// keeps a perfectly paced run at exactly its rate instead of just above it.
func (s Stats) Achieved() float64 {
	d := s.Last.Sub(s.First).Seconds()
	if s.Requests < 2 || d <= 0 {
		return 0
	}
	return float64(s.Requests-1) / d
}
