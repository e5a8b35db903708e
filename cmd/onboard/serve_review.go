package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/schema"
)

// cellView is one grid cell.
type cellView struct {
	Col    int
	Header string
	Value  string
	Secret bool
	Err    string // the messages validate prints for it, "" when valid
	Warn   string
}

type rowView struct {
	JobID string
	Line  int
	Cells []cellView
	Row   string // problems that name no column of the file
	Bad   bool
}

type codeCount struct {
	Code   string
	Count  int
	Advice string
}

// gridView is one window of the grid.
type gridView struct {
	JobID      string
	Header     []string
	Rows       []rowView
	From, Next int
	Prev       int
	Total      int // rows in the filter
	Filter     gridFilter
	Showing    string
}

func problemText(p batch.Problem) string {
	return strings.TrimSpace(strings.TrimSpace(p.Code+" "+p.Field) + ": " + p.Message)
}

// rowView lays out row i with its problems on the cells they name.
func (j *job) rowView(i int) rowView {
	row := j.rows[i]
	masked := j.mapper.Mask(slices.Clone(row.Cells))
	secret := j.mapper.Secret()
	rv := rowView{JobID: j.meta.ID, Line: row.Line}
	for c, h := range j.header {
		v := ""
		if c < len(masked) {
			v = masked[c]
		}
		rv.Cells = append(rv.Cells, cellView{Col: c, Header: h, Value: v, Secret: c < len(secret) && secret[c]})
	}
	cols := j.mapper.FieldColumns()
	place := func(ps []batch.Problem, warn bool) {
		for _, p := range ps {
			at := cols[p.Field]
			if len(at) == 0 {
				rv.Row = strings.TrimSpace(rv.Row + "\n" + problemText(p))
				continue
			}
			for _, c := range at {
				if c >= len(rv.Cells) {
					continue
				}
				if warn {
					rv.Cells[c].Warn = strings.TrimSpace(rv.Cells[c].Warn + "\n" + problemText(p))
				} else {
					rv.Cells[c].Err = strings.TrimSpace(rv.Cells[c].Err + "\n" + problemText(p))
				}
			}
		}
	}
	if j.val != nil {
		place(j.val.probs[i], false)
		place(j.val.warns[i], true)
		rv.Bad = len(j.val.probs[i]) > 0
	}
	return rv
}

// dupOf reads the row a DUPLICATE_IN_FILE problem names ("duplicate of
// row 2 …", validate's message).
var dupOf = regexp.MustCompile(`duplicate of row (\d+)`)

// duplicatePairs lists row indices in pairs: the row first seen, then the
// row that repeats it.
func (j *job) duplicatePairs() []int {
	var out []int
	if j.val == nil {
		return nil
	}
	for _, i := range j.val.invalid {
		for _, p := range j.val.probs[i] {
			if p.Code != string(schema.DuplicateInFile) {
				continue
			}
			if m := dupOf.FindStringSubmatch(p.Message); m != nil {
				line, _ := strconv.Atoi(m[1])
				if first, ok := j.byLine[line]; ok {
					out = append(out, first, i)
					break
				}
			}
		}
	}
	return out
}

// gridFilter is which rows the grid shows: all, the invalid ones, those
// with one problem code, or the duplicates side by side.
type gridFilter struct {
	Errors bool
	Dups   bool
	Code   string
}

func filterOf(q url.Values) gridFilter {
	return gridFilter{Errors: q.Get("errors") == "1", Dups: q.Get("dups") == "1", Code: q.Get("code")}
}

// Query is the filter as URL parameters after a first one ("&errors=1").
func (f gridFilter) Query() string {
	switch {
	case f.Dups:
		return "&dups=1"
	case f.Code != "":
		return "&code=" + url.QueryEscape(f.Code)
	case f.Errors:
		return "&errors=1"
	}
	return ""
}

// gridRows is the filter's row indices; nil means every row.
func (j *job) gridRows(f gridFilter) []int {
	if j.val == nil {
		return nil
	}
	switch {
	case f.Dups:
		return j.duplicatePairs()
	case f.Code != "":
		list := []int{}
		for _, i := range j.val.invalid {
			if slices.ContainsFunc(j.val.probs[i], func(p batch.Problem) bool { return p.Code == f.Code }) {
				list = append(list, i)
			}
		}
		return list
	case f.Errors:
		return j.val.invalid
	}
	return nil
}

func (j *job) grid(from int, f gridFilter) gridView {
	g := gridView{JobID: j.meta.ID, Header: j.header, Filter: f}
	idx := func(k int) int { return k }
	g.Total = len(j.rows)
	if list := j.gridRows(f); list != nil || f != (gridFilter{}) {
		g.Total = len(list)
		idx = func(k int) int { return list[k] }
	}
	from = max(0, min(from, g.Total-1))
	to := min(g.Total, from+windowRows)
	for k := from; k < to; k++ {
		g.Rows = append(g.Rows, j.rowView(idx(k)))
	}
	g.From, g.Next, g.Prev = from, -1, -1
	if to < g.Total {
		g.Next = to
	}
	if from > 0 {
		g.Prev = max(0, from-windowRows)
	}
	if g.Total > 0 {
		g.Showing = fmt.Sprintf("%d–%d of %d", from+1, to, g.Total)
	}
	return g
}

func (j *job) summary() map[string]any {
	var codes []codeCount
	for c, n := range j.val.byCode {
		codes = append(codes, codeCount{Code: c, Count: n, Advice: adviceFor(c)})
	}
	sort.Slice(codes, func(a, b int) bool {
		if codes[a].Count != codes[b].Count {
			return codes[a].Count > codes[b].Count
		}
		return codes[a].Code < codes[b].Code
	})
	return map[string]any{"JobID": j.meta.ID, "Rows": len(j.rows), "Invalid": len(j.val.invalid),
		"Valid": len(j.rows) - len(j.val.invalid), "Codes": codes, "Took": fmt.Sprintf("%d ms", max(1, j.val.took.Milliseconds()))}
}

// adviceFor is one sentence per validation code: what to do about it.
func adviceFor(code string) string {
	switch schema.Code(code) {
	case schema.MissingRequired:
		return "Fill in the cell: the vendor refuses a person without it."
	case schema.InvalidValue:
		return "Correct the value to the form the message names."
	case schema.InvalidEnum:
		return "Use one of the values the message lists."
	case schema.ConflictingFields:
		return "Keep only the fields the message allows together."
	case schema.DuplicateInFile:
		return "Two rows name the same person: correct or remove one of them."
	case schema.CellTooLong:
		return "Shorten the cell: the results sheet could not hold it."
	case schema.MalformedRow:
		return "The row has values beyond the last column: check for a stray delimiter."
	case schema.FormulaNoValue:
		return "Open the file in Excel and save it, so the formula's value is stored."
	}
	return "See the message on each row."
}

func (s *server) review(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.mapper == nil {
		http.Redirect(w, r, "/jobs/"+j.meta.ID+"/map", http.StatusSeeOther)
		return
	}
	f := filterOf(r.URL.Query())
	replaced, fixed, fixRows := r.URL.Query().Get("replaced"), r.URL.Query().Get("fixed"), r.URL.Query().Get("fixrows")
	s.render(w, "review.html", map[string]any{"Title": "Review the rows", "Job": j.meta, "Summary": j.summary(),
		"Grid": j.grid(0, f), "HasDups": j.val.byCode[string(schema.DuplicateInFile)] > 0, "Step": "review", "Locked": j.busy(), "Header": j.header, "Replaced": replaced, "Fixed": fixed, "FixRows": fixRows,
		"Rerun": j.meta.Runs > 0 && j.meta.EditSeq != j.meta.RanEditSeq})
}

func (s *server) rowsFragment(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.mapper == nil {
		http.Error(w, "map the columns first", http.StatusConflict)
		return
	}
	q := r.URL.Query()
	from, _ := strconv.Atoi(q.Get("from"))
	if line, err := strconv.Atoi(q.Get("line")); err == nil && line > 0 {
		// Jump to a row number as the spreadsheet shows it.
		from = sort.Search(len(j.rows), func(i int) bool { return j.rows[i].Line >= line })
		if list := j.gridRows(filterOf(q)); list != nil {
			from = max(0, slices.IndexFunc(list, func(i int) bool { return j.rows[i].Line >= line }))
		}
	}
	s.render(w, "grid", j.grid(from, filterOf(q)))
}

// editCell corrects one cell of the upload (kept with the job, never in
// the uploaded file) and re-validates: the row comes back with its marks,
// the summary with its counts.
func (s *server) editCell(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	line, err1 := strconv.Atoi(r.URL.Query().Get("line"))
	col, err2 := strconv.Atoi(r.URL.Query().Get("col"))
	value := r.FormValue("value")
	j.mu.Lock()
	defer j.mu.Unlock()
	i, ok := j.byLine[line]
	switch {
	case err1 != nil || err2 != nil || !ok || col < 0 || col >= len(j.header):
		http.Error(w, "no such cell", http.StatusBadRequest)
		return
	case j.mapper == nil:
		http.Error(w, "map the columns first", http.StatusConflict)
		return
	case j.busy() || j.planning:
		http.Error(w, "the job is running or being planned: cells cannot change now", http.StatusConflict)
		return
	}
	if j.meta.Edits == nil {
		j.meta.Edits = map[string]string{}
	}
	for len(j.rows[i].Cells) <= col {
		j.rows[i].Cells = append(j.rows[i].Cells, "")
	}
	j.rows[i].Cells[col] = value
	j.meta.Edits[fmt.Sprintf("%d:%d", line, col)] = value
	j.meta.EditSeq++
	j.recheck(i)
	if err := j.save(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.render(w, "edited", map[string]any{"JobID": j.meta.ID, "Row": j.rowView(i), "Summary": j.summary()})
}

// replace is a find-and-replace within one column, on the server: every
// cell of the column holding the text has it replaced (case as typed);
// each changed cell is a correction like one typed in the grid.
func (s *server) replace(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	col, err := strconv.Atoi(r.FormValue("col"))
	find, with := r.FormValue("find"), r.FormValue("replace")
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.mapper == nil:
		http.Redirect(w, r, "/jobs/"+j.meta.ID+"/map", http.StatusSeeOther)
		return
	case j.busy() || j.planning:
		s.problemPage(w, http.StatusConflict, "the job is running or being planned: cells cannot change now")
		return
	case err != nil || col < 0 || col >= len(j.header) || find == "":
		s.problemPage(w, http.StatusBadRequest, "choose a column and the text to find")
		return
	}
	if j.meta.Edits == nil {
		j.meta.Edits = map[string]string{}
	}
	n := 0
	for i := range j.rows {
		cells := j.rows[i].Cells
		if col >= len(cells) || !strings.Contains(cells[col], find) {
			continue
		}
		cells[col] = strings.ReplaceAll(cells[col], find, with)
		j.meta.Edits[fmt.Sprintf("%d:%d", j.rows[i].Line, col)] = cells[col]
		n++
	}
	if n > 0 {
		j.meta.EditSeq++
		if err := j.validate(); err != nil {
			s.problemPage(w, http.StatusInternalServerError, err.Error())
			return
		}
		if err := j.save(); err != nil {
			s.problemPage(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	http.Redirect(w, r, fmt.Sprintf("/jobs/%s/review?replaced=%d", j.meta.ID, n), http.StatusSeeOther)
}

// fixFile takes a fix file back: its rows are corrections to this job's
// rows (onboard_row names each one), never a roster of their own, so the
// next run sends the whole corrected roster and nobody shows as missing.
// A password the fix file left empty (it never holds one) keeps the
// job's value.
func (s *server) fixFile(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	tmp, name, ok := s.receiveUpload(w, r, j, "fix", maxUpload, "choose the fix file to upload", func(name string) (string, error) {
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".csv" && ext != ".xlsx" && ext != ".tsv" && ext != ".txt" {
			return "", fmt.Errorf("%s: upload the fix file (.csv or .xlsx) onboard wrote", name)
		}
		return ext, nil
	})
	if !ok {
		return
	}
	defer os.Remove(tmp)
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.mapper == nil:
		http.Redirect(w, r, "/jobs/"+j.meta.ID+"/map", http.StatusSeeOther)
		return
	case j.busy() || j.planning:
		s.problemPage(w, http.StatusConflict, "the job is running: corrections can come when it has finished")
		return
	}
	changed, rows, err := j.applyFixFile(tmp, name)
	if err != nil {
		s.problemPage(w, http.StatusBadRequest, err.Error())
		return
	}
	if changed > 0 {
		j.meta.EditSeq++
		if err := j.validate(); err != nil {
			s.problemPage(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	if err := j.save(); err != nil {
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/jobs/%s/review?fixed=%d&fixrows=%d", j.meta.ID, changed, rows), http.StatusSeeOther)
}

// applyFixFile applies a fix file's cells to the job's rows by onboard_row
// and column name; it returns the cells changed and the fix file's rows.
func (j *job) applyFixFile(path, name string) (changed, rows int, err error) {
	fr, err := read.Open(path, read.Options{})
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", name, stripPath(err, path, name))
	}
	defer fr.Close()
	fh := fr.Header()
	rowCol, guarded := -1, false
	cols := make([]int, len(fh)) // fix file column → job column, -1 none
	for c, h := range fh {
		cols[c] = -1
		n := strings.TrimSpace(h)
		switch {
		case strings.EqualFold(n, schema.OwnRowColumn):
			rowCol = c
		case strings.EqualFold(n, schema.OwnErrorColumn):
			_, guarded = fr.(interface{ Delimiter() rune }) // a CSV fix file's cells carry the formula guard
		case !schema.IsOwnColumn(n):
			cols[c] = slices.Index(j.header, h)
		}
	}
	if rowCol < 0 {
		return 0, 0, fmt.Errorf("%s has no %s column: upload the fix file onboard wrote for this job (a roster of its own is a new upload)", name, schema.OwnRowColumn)
	}
	secret := j.mapper.Secret()
	type change struct {
		i, col, line int
		v            string
	}
	var changes []change
	var unknown []string
	for {
		row, err := fr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", name, stripPath(err, path, name))
		}
		rows++
		line, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(row.Cells[rowCol], "'")))
		i, ok := j.byLine[line]
		if err != nil || !ok {
			unknown = append(unknown, strconv.Itoa(row.Line))
			continue
		}
		for c, jc := range cols {
			if jc < 0 || c >= len(row.Cells) {
				continue
			}
			v := row.Cells[c]
			if guarded {
				v = strings.TrimPrefix(v, "'")
			}
			if jc < len(secret) && secret[jc] && (v == "" || v == schema.Mask) {
				continue // the fix file never holds a password: keep the job's
			}
			if jc < len(j.rows[i].Cells) && j.rows[i].Cells[jc] == v {
				continue
			}
			changes = append(changes, change{i: i, col: jc, line: line, v: v})
		}
	}
	if len(unknown) > 0 {
		// Nothing is applied from a file that is not this job's.
		return 0, rows, fmt.Errorf("%s: rows %s name no row of this job's roster (%s): is it another job's fix file?", name, strings.Join(unknown, ", "), schema.OwnRowColumn)
	}
	if j.meta.Edits == nil {
		j.meta.Edits = map[string]string{}
	}
	for _, c := range changes {
		for len(j.rows[c.i].Cells) <= c.col {
			j.rows[c.i].Cells = append(j.rows[c.i].Cells, "")
		}
		j.rows[c.i].Cells[c.col] = c.v
		j.meta.Edits[fmt.Sprintf("%d:%d", c.line, c.col)] = c.v
	}
	return len(changes), rows, nil
}
