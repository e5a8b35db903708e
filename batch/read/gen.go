package read

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// genColumns are the realistic roster columns the generators write first;
// wider files add "extra_N" columns after them.
var genColumns = []string{
	"employee_id", "first_name", "last_name", "email", "phone", "start_date",
	"role", "department", "title", "manager_email", "country", "city",
	"employment_type", "cost_center", "notes",
}

var (
	genFirst = []string{"Ana", "José", "Li", "Priya", "Tom", "Fatima", "Olu", "Mia", "Sven", "Chloé", "Kenji", "Zoë"}
	genLast  = []string{"Ñúñez", "Smith", "O'Brien", "Nguyen", "Kowalski", "Haddad", "Okafor", "Rossi", "Müller", "Tanaka"}
	genRole  = []string{"admin", "member", "member", "member", "guest", "proctor"}
	genDept  = []string{"Engineering", "Sales", "Support", "Finance", "People Ops", "Legal"}
	genTitle = []string{"Engineer", "Senior Engineer", "Account Executive", "Analyst", "Manager", "Director, EMEA"}
	genCtry  = []string{"US", "CA", "GB", "DE", "FR", "JP", "BR", "IN"}
	genCity  = []string{"San Francisco", "Toronto", "London", "Berlin", "Paris", "Tokyo", "São Paulo", "Pune"}
	genEmp   = []string{"full_time", "full_time", "part_time", "contractor"}
	genNotes = []string{"", "", "", "Prefers \"Liz\", remote", "Starts after onboarding, see ticket\nHR-1234", "badge pending"}
	genEpoch = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
)

// genRow fills one generated roster row. Values are deterministic per row
// index so that files of the same size are identical.
type genRow struct {
	id, first, last, email, role, dept, title, manager, country, city, emp, notes string
	phone, costCenter                                                             int64
	start                                                                         time.Time
}

func makeGenRow(r *rand.Rand, i int) genRow {
	first, last := genFirst[r.IntN(len(genFirst))], genLast[r.IntN(len(genLast))]
	return genRow{
		id:         fmt.Sprintf("E%07d", i+1),
		first:      first,
		last:       last,
		email:      fmt.Sprintf("user%d@example.com", i+1),
		phone:      4155550000 + int64(i%10000),
		start:      genEpoch.AddDate(0, 0, r.IntN(3650)),
		role:       genRole[r.IntN(len(genRole))],
		dept:       genDept[r.IntN(len(genDept))],
		title:      genTitle[r.IntN(len(genTitle))],
		manager:    fmt.Sprintf("mgr%d@example.com", r.IntN(500)),
		country:    genCtry[r.IntN(len(genCtry))],
		city:       genCity[r.IntN(len(genCity))],
		emp:        genEmp[r.IntN(len(genEmp))],
		costCenter: 4100 + int64(r.IntN(40)),
		notes:      genNotes[r.IntN(len(genNotes))],
	}
}

// values returns the row's first cols cells; xlsx keeps numbers and dates
// typed (dateStyle is the cell style for the date), CSV gets their text.
func (g genRow) values(i, cols int, xlsx bool, dateStyle int) []any {
	out := make([]any, 0, cols)
	for c := range cols {
		var v any
		switch c {
		case 0:
			v = g.id
		case 1:
			v = g.first
		case 2:
			v = g.last
		case 3:
			v = g.email
		case 4:
			v = g.phone
		case 5:
			v = g.start.Format(time.DateOnly)
			if xlsx {
				v = excelize.Cell{StyleID: dateStyle, Value: g.start}
			}
		case 6:
			v = g.role
		case 7:
			v = g.dept
		case 8:
			v = g.title
		case 9:
			v = g.manager
		case 10:
			v = g.country
		case 11:
			v = g.city
		case 12:
			v = g.emp
		case 13:
			v = g.costCenter
		case 14:
			v = g.notes
		default:
			v = "x" + strconv.Itoa(c) + "_" + strconv.Itoa(i)
		}
		if !xlsx {
			if n, ok := v.(int64); ok {
				v = strconv.FormatInt(n, 10)
			}
		}
		out = append(out, v)
	}
	return out
}

// genHeader returns the header of a generated file with cols columns.
func genHeader(cols int) []string {
	h := make([]string, cols)
	for c := range cols {
		if c < len(genColumns) {
			h[c] = genColumns[c]
		} else {
			h[c] = "extra_" + strconv.Itoa(c)
		}
	}
	return h
}

// WriteCSV writes a realistic UTF-8 roster CSV with a header and rows data
// rows of cols columns (names, emails, phone digits, ISO dates, roles, and
// notes that need quoting, some with embedded newlines). It is used by
// benchmarks and by `make bench`.
func WriteCSV(path string, rows, cols int) (err error) {
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
	if err := w.Write(genHeader(cols)); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	rec := make([]string, cols)
	for i := range rows {
		for c, v := range makeGenRow(r, i).values(i, cols, false, 0) {
			rec[c] = v.(string)
		}
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

// WriteXLSX writes the same roster as WriteCSV as an XLSX file with
// excelize's StreamWriter: phone and cost center as numbers, the start date
// as a date serial with a yyyy-mm-dd number format, text as inline strings.
func WriteXLSX(path string, rows, cols int) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	const sheet = "Roster"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	header := genHeader(cols)
	hv := make([]any, cols)
	for c, h := range header {
		hv[c] = h
	}
	if err := sw.SetRow("A1", hv); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, makeGenRow(r, i).values(i, cols, true, dateStyle)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}
