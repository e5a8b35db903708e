package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
)

// spHeader is a SmarterProctoring roster in which every column maps to a
// checked field (names, two emails, phones, a currency pattern, a time
// zone SID pattern, two ranged numbers, a password rule, a boolean, IDs):
// the dry run checks every cell, unlike smartapp's metadata columns.
var spHeader = []string{
	"First Name", "Last Name", "Email", "Personal Email", "Home Phone", "Mobile",
	"Currency", "Time Zone SID", "Latitude", "Longitude", "Username", "Password",
	"Active", "Student ID", "External ID",
}

var (
	spCurrency = []string{"USD", "USD", "EUR", "GBP", "CAD", "JPY"}
	spActive   = []string{"true", "true", "yes", "false", "1"}
	spFirst    = []string{"Ana", "José", "Li", "Priya", "Tom", "Fatima", "Olu", "Mia", "Sven", "Chloé", "Kenji", "Zoë"}
	spLast     = []string{"Ñúñez", "Smith", "O'Brien", "Nguyen", "Kowalski", "Haddad", "Okafor", "Rossi", "Müller", "Tanaka"}
	spZones    = []string{"TZ0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a", "TZ1234567890abcdef1234567890abcdef", "TZffffffffffffffffffffffffffffffff"}
)

// writeSPRoster writes a deterministic rows-row SmarterProctoring roster
// the way read.WriteCSV writes the others (encoding/csv, 64 KiB buffer,
// one seeded generator). About 1 row in 100 is invalid (a bad email, a
// lower-case currency, a latitude off the Earth, a weak password) and 1 in
// 1,000 repeats an earlier row's email, so the report has work to do.
func writeSPRoster(path string, rows int) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	w := csv.NewWriter(bw)
	if err := w.Write(spHeader); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(3, 4))
	rec := make([]string, len(spHeader))
	for i := range rows {
		spRow(r, i+1, rec)
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// bareCSVArg makes benchreport read a CSV with bare encoding/csv in a
// child process of its own, so it can be timed and paired with onboard
// the same way: `benchreport -barecsv FILE`.
const bareCSVArg = "-barecsv"

// genSPArg writes a SmarterProctoring roster and exits, for trying the
// commands by hand: `benchreport -gensp FILE ROWS`.
const genSPArg = "-gensp"

// spRow fills rec with roster row n (1-based) from the generator r.
func spRow(r *rand.Rand, n int, rec []string) {
	rec[0] = spFirst[r.IntN(len(spFirst))]
	rec[1] = spLast[r.IntN(len(spLast))]
	rec[2] = "user" + strconv.Itoa(n) + "@example.edu"
	rec[3] = "p" + strconv.Itoa(n) + "@example.org"
	rec[4] = fmt.Sprintf("+1 480 555 %04d", n%10000)
	rec[5] = fmt.Sprintf("+1 602 555 %04d", (n*7)%10000)
	rec[6] = spCurrency[r.IntN(len(spCurrency))]
	rec[7] = spZones[r.IntN(len(spZones))]
	rec[8] = strconv.FormatFloat(-60+r.Float64()*120, 'f', 4, 64)
	rec[9] = strconv.FormatFloat(-170+r.Float64()*340, 'f', 4, 64)
	rec[10] = "u" + strconv.Itoa(n)
	rec[11] = "Exam#" + strconv.Itoa(n) + "ok"
	rec[12] = spActive[r.IntN(len(spActive))]
	rec[13] = "S" + strconv.Itoa(1_000_000+n)
	rec[14] = "HR-" + strconv.Itoa(n)
	switch k := r.IntN(1000); {
	case k < 3:
		rec[2] = "user" + strconv.Itoa(n) + "example.edu"
	case k < 6:
		rec[6] = "usd"
	case k < 8:
		rec[8] = "95.5"
	case k < 10:
		rec[11] = "password"
	case k < 11 && n > 10:
		rec[2] = "user" + strconv.Itoa(n-10) + "@example.edu"
	}
}
