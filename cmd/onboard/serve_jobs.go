package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/reports"
	"github.com/onboard/onboard/schema"
)

// Job statuses as the page and job.json name them.
const (
	jobUploaded    = "uploaded"
	jobMapped      = "mapped"
	jobRunning     = "running"
	jobStopping    = "stopping"
	jobFinished    = "finished"    // the run ended; Stop says how
	jobInterrupted = "interrupted" // the server stopped while it ran; Resume goes on through the ledger
)

// jobMeta is what job.json keeps: everything but the roster's cells,
// which stay in the uploaded file (and the page's corrections).
type jobMeta struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	File      string    `json:"file"` // the uploaded file's own name
	Ext       string    `json:"ext"`
	Vendor    string    `json:"vendor"`
	Simulate  bool      `json:"simulate"`
	Created   time.Time `json:"created"`
	Sheet     string    `json:"sheet,omitempty"`
	Delimiter string    `json:"delimiter,omitempty"`
	Encoding  string    `json:"encoding,omitempty"`
	HeaderRow int       `json:"header_row,omitempty"`
	// Mapping is the page's choices; mapping.yaml is what run -m reads.
	Mapping *pageMapping `json:"mapping,omitempty"`
	// MappingFile names a mapping file loaded on the Map step instead: it
	// is mapping.yaml as it came, constants, transforms and all.
	MappingFile string `json:"mapping_file,omitempty"`
	// Edits are the cells fixed on the page, "line:col" → value.
	Edits    map[string]string `json:"edits,omitempty"`
	Existing string            `json:"existing,omitempty"`
	Update   bool              `json:"update,omitempty"`
	Status   string            `json:"status"`
	Started  time.Time         `json:"started,omitzero"`
	Ended    time.Time         `json:"ended,omitzero"`
	Counts   state.Counts      `json:"counts"`
	Stop     string            `json:"stop,omitempty"` // the state store's run end: done, interrupted, auth_failed …
	StopCode string            `json:"stop_code,omitempty"`
	Message  string            `json:"message,omitempty"` // the run's one-line outcome or error
	Results  bool              `json:"results,omitempty"`
	Fix      string            `json:"fix,omitempty"` // fix file name in the job folder, "" none
	Runs     int               `json:"runs,omitempty"`
	// EditSeq counts the corrections made on the page; RanEditSeq is its
	// value when the last run started. Corrections after a run that went
	// to the end let the job run again: the whole corrected roster, so
	// the state store skips who was created and nobody shows as missing.
	EditSeq    int `json:"edit_seq,omitempty"`
	RanEditSeq int `json:"ran_edit_seq,omitempty"`
	// QueueID is the queued run's job id when the state is on PostgreSQL
	// (Start enqueues; a worker runs it); QueueState and QueueWorker are
	// what the queue last said.
	QueueID     int64  `json:"queue_id,omitempty"`
	QueueState  string `json:"queue_state,omitempty"`
	QueueWorker string `json:"queue_worker,omitempty"`
}

// pageMapping is the Map step's choices.
type pageMapping struct {
	Columns  map[string]string `json:"columns"`            // header → vendor field
	Extra    []string          `json:"extra,omitempty"`    // columns ticked into the vendor's free-form field
	Identity string            `json:"identity,omitempty"` // the column naming a person across days
	// Values maps a column's own values onto the vendor's: field → roster
	// value → vendor value (the mapping file's values:).
	Values map[string]map[string]string `json:"values,omitempty"`
}

// mappingYAML is the mapping file the page writes: the same keys run -m
// reads (schema.Mapping), only those the page sets.
type mappingYAML struct {
	Columns   map[string]string            `yaml:"columns,omitempty"`
	Ignore    []string                     `yaml:"ignore,omitempty"`
	Identity  string                       `yaml:"identity,omitempty"`
	Values    map[string]map[string]string `yaml:"values,omitempty"`
	HeaderRow int                          `yaml:"header_row,omitempty"`
}

// job is one upload and everything that follows it.
type job struct {
	mu      sync.Mutex
	dir     string
	meta    jobMeta
	reg     *providers.Registration
	header  []string
	rows    []read.Row
	byLine  map[int]int
	info    readInfo
	mapper  *schema.Mapper
	guarded bool // a CSV fix file: validation undoes its formula guard in place
	val     *validation
	// recheckr re-checks one corrected row (recheck)
	recheckr *batch.Rechecker
	// while running
	cancel   context.CancelFunc
	done     chan struct{}
	live     state.Counts
	planning bool      // a plan is being made: cells, mapping and Start wait
	planRows int       // rows planned so far, for the page
	lastPlan *planView // the plan last made, errors and all
	plan     *planView // the last plan made, at EditSeq planSeq
	planSeq  int
	loaded   bool      // the rows are in memory (see jobStore.open)
	used     time.Time // last opened: idle jobs give their rows back (unloadIdle)
	loadErr  error     // the job could not be read again: only History and Delete
}

// readInfo is what the reader found, for the page.
type readInfo struct {
	HeaderRow int
	Encoding  string
	Delimiter string
	Sheet     string
	Warnings  []string
}

func (j *job) path(name string) string { return filepath.Join(j.dir, name) }

func (j *job) rosterPath() string { return j.path("roster" + j.meta.Ext) }

// save writes job.json atomically, 0600.
func (j *job) save() error {
	b, err := json.MarshalIndent(&j.meta, "", "  ")
	if err != nil {
		return err
	}
	tmp := j.path("job.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, j.path("job.json"))
}

// load reads the roster with the job's read choices, as run would, and
// applies the page's corrections.
func (j *job) load(ctx context.Context) error {
	reg, err := providers.Lookup(j.meta.Vendor)
	if err != nil {
		return err
	}
	j.reg = reg
	delim, err := parseDelimiter(j.meta.Delimiter)
	if err != nil {
		return err
	}
	opt := read.Options{Sheet: j.meta.Sheet, Encoding: j.meta.Encoding, HeaderRow: j.meta.HeaderRow, Delimiter: delim,
		Expect: schema.HeaderMatcher(reg.Schema, nil)}
	r, err := read.Open(j.rosterPath(), opt)
	if err != nil {
		return fmt.Errorf("%s: %w", j.meta.File, stripPath(err, j.rosterPath(), j.meta.File))
	}
	defer r.Close()
	j.header = slices.Clone(r.Header())
	j.info = readInfo{HeaderRow: r.HeaderRow(), Warnings: r.Warnings()}
	if d, ok := r.(interface{ Delimiter() rune }); ok {
		j.info.Delimiter = delimiterName(d.Delimiter())
	}
	if e, ok := r.(interface{ Encoding() string }); ok {
		j.info.Encoding = e.Encoding()
	}
	if s, ok := r.(interface{ Sheet() string }); ok {
		j.info.Sheet = s.Sheet()
	}
	j.rows, j.byLine = nil, map[int]int{}
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", j.meta.File, stripPath(err, j.rosterPath(), j.meta.File))
		}
		j.byLine[row.Line] = len(j.rows)
		j.rows = append(j.rows, row)
	}
	for k, v := range j.meta.Edits {
		line, col, ok := parseCellKey(k)
		if i, found := j.byLine[line]; ok && found && col < len(j.rows[i].Cells) {
			j.rows[i].Cells[col] = v
		}
	}
	if j.meta.Mapping != nil || j.meta.MappingFile != "" {
		if err := j.bind(); err != nil {
			return err
		}
	}
	return nil
}

// stripPath names the file as the user knows it, not the server's path.
func stripPath(err error, path, name string) error {
	return errors.New(strings.ReplaceAll(err.Error(), path, name))
}

func delimiterName(r rune) string {
	if r == '\t' {
		return "tab"
	}
	return string(r)
}

func parseCellKey(k string) (line, col int, ok bool) {
	a, b, found := strings.Cut(k, ":")
	if !found {
		return 0, 0, false
	}
	line, err1 := strconv.Atoi(a)
	col, err2 := strconv.Atoi(b)
	return line, col, err1 == nil && err2 == nil
}

// mappingFile is the page's mapping as the YAML run -m reads.
func (j *job) mappingFile() mappingYAML {
	m := j.meta.Mapping
	y := mappingYAML{Columns: map[string]string{}, Identity: m.Identity, Values: m.Values}
	if j.info.HeaderRow > 1 {
		y.HeaderRow = j.info.HeaderRow
	}
	for _, h := range j.header {
		if schema.IsOwnColumn(h) {
			continue
		}
		if f := m.Columns[h]; f != "" {
			y.Columns[h] = f
			continue
		}
		if h == m.Identity || slices.Contains(m.Extra, h) {
			continue
		}
		// Nothing leaves for a vendor that nobody chose to send: a
		// column left unmapped is ignored, even where the vendor has a
		// free-form field that would take it.
		y.Ignore = append(y.Ignore, h)
	}
	return y
}

// bind writes mapping.yaml and binds it to the header exactly as run
// does: schema.LoadMapping, then schema.NewMapper.
func (j *job) bind() error {
	j.plan = nil // a plan is of one mapping
	if j.meta.MappingFile == "" {
		b, err := yaml.Marshal(j.mappingFile())
		if err != nil {
			return err
		}
		if err := os.WriteFile(j.path("mapping.yaml"), b, 0o600); err != nil {
			return err
		}
	}
	m, err := schema.LoadMapping(j.path("mapping.yaml"))
	if err != nil {
		return stripPath(err, j.path("mapping.yaml"), cmp.Or(j.meta.MappingFile, "mapping.yaml"))
	}
	mp, err := schema.NewMapper(j.reg.Schema, j.header, m)
	if err != nil {
		return err
	}
	if j.info.Delimiter != "" && slices.ContainsFunc(j.header, func(h string) bool {
		return strings.EqualFold(strings.TrimSpace(h), schema.OwnErrorColumn)
	}) {
		// A CSV fix file onboard wrote: its cells carry the formula guard,
		// undone as run undoes it (isGuardedFixFile).
		mp = mp.FormulaGuarded()
		j.guarded = true
	}
	mp.LimitCells(reports.MaxXLSXCell, "an XLSX cell") // the results are an XLSX, as run's -o results.xlsx
	j.mapper = mp
	return j.validate()
}

// validation is batch.Validate's verdict on every row, kept for the grid,
// with the duplicate index that lets a corrected cell re-check its row
// and the rows sharing its keys instead of the whole file.
type validation struct {
	probs   map[int][]batch.Problem // row index → problems
	warns   map[int][]batch.Problem
	byCode  map[string]int
	invalid []int // row indices, in roster order
	took    time.Duration
	dups    *dupIndex
}

// dupIndex is Validate's duplicate check kept between corrections: per
// key field, each value (case aside) → the rows holding it, in roster
// order; a row is a duplicate of the first of its list. Rows that failed
// their own checks take no part, as in Validate.
type dupIndex struct {
	key  []string             // schema.Key
	keys [][]string           // row index → its key values; nil: no part
	by   []map[string][]int32 // per key field
}

func newDupIndex(key []string, rows int) *dupIndex {
	d := &dupIndex{key: key, keys: make([][]string, rows), by: make([]map[string][]int32, len(key))}
	for f := range d.by {
		d.by[f] = make(map[string][]int32, rows)
	}
	return d
}

// add puts row i's keys in the index (rows come in roster order, or
// insert sorted) and returns the rows sharing any of them.
func (d *dupIndex) add(i int, keys []string, touched []int) []int {
	d.keys[i] = keys
	for f, v := range keys {
		if v == "" {
			continue
		}
		k := schema.DuplicateFold(v)
		list := d.by[f][k]
		at, _ := slices.BinarySearch(list, int32(i))
		list = slices.Insert(list, at, int32(i))
		d.by[f][k] = list
		for _, r := range list {
			touched = append(touched, int(r))
		}
	}
	return touched
}

// put is add for rows coming in roster order (Validate's).
func (d *dupIndex) put(i int, keys []string) {
	d.keys[i] = keys
	for f, v := range keys {
		if v != "" {
			k := schema.DuplicateFold(v)
			d.by[f][k] = append(d.by[f][k], int32(i))
		}
	}
}

// remove takes row i's keys out and returns the rows that shared them.
func (d *dupIndex) remove(i int, touched []int) []int {
	for f, v := range d.keys[i] {
		if v == "" {
			continue
		}
		k := schema.DuplicateFold(v)
		list := d.by[f][k]
		if at, ok := slices.BinarySearch(list, int32(i)); ok {
			list = slices.Delete(list, at, at+1)
		}
		if len(list) == 0 {
			delete(d.by[f], k)
		} else {
			d.by[f][k] = list
		}
		for _, r := range list {
			touched = append(touched, int(r))
		}
	}
	d.keys[i] = nil
	return touched
}

// errs are row i's DUPLICATE_IN_FILE errors, in Validate's words.
func (d *dupIndex) errs(i int, lineOf func(int) int) []schema.FieldError {
	var errs []schema.FieldError
	for f, v := range d.keys[i] {
		if v == "" {
			continue
		}
		if first := d.by[f][schema.DuplicateFold(v)]; first[0] != int32(i) {
			errs = append(errs, schema.DuplicateError(d.key[f], v, lineOf(int(first[0]))))
		}
	}
	return errs
}

// set replaces row i's verdict, keeping the counts and the invalid list.
func (v *validation) set(i int, probs, warns []batch.Problem) {
	for _, p := range v.probs[i] {
		v.byCode[p.Code]--
		if v.byCode[p.Code] == 0 {
			delete(v.byCode, p.Code)
		}
	}
	at, was := slices.BinarySearch(v.invalid, i)
	switch {
	case len(probs) > 0:
		v.probs[i] = probs
		for _, p := range probs {
			v.byCode[p.Code]++
		}
		if !was {
			v.invalid = slices.Insert(v.invalid, at, i)
		}
	default:
		delete(v.probs, i)
		if was {
			v.invalid = slices.Delete(v.invalid, at, at+1)
		}
	}
	if len(warns) > 0 {
		v.warns[i] = warns
	} else {
		delete(v.warns, i)
	}
}

// validate runs the same validation as `onboard validate` over the rows as
// they are now (with the page's corrections), and keeps the duplicate
// index for recheck.
func (j *job) validate() error {
	v, err := j.validateAll()
	if err != nil {
		return err
	}
	j.val = v
	j.recheckr = batch.NewRechecker(j.reg.Schema, j.mapper)
	return nil
}

// validateAll is batch.Validate over every row.
func (j *job) validateAll() (*validation, error) {
	start := time.Now()
	v := &validation{probs: map[int][]batch.Problem{}, warns: map[int][]batch.Problem{}, byCode: map[string]int{},
		dups: newDupIndex(j.reg.Schema.Key, len(j.rows))}
	sum := batch.NewSummary("validate", j.reg.ID, j.meta.File)
	sink := &collectSink{j: j, v: v}
	r := &memReader{header: j.header, headerRow: j.info.HeaderRow, rows: j.rows, clone: j.guarded || slices.Contains(j.mapper.Secret(), true)}
	if err := batch.Validate(context.Background(), r, j.reg.Schema, j.mapper, sink, sum, nil); err != nil {
		return nil, err
	}
	v.took = time.Since(start)
	return v, nil
}

// recheck re-validates row i after a correction: the row itself, and the
// rows whose duplicate status it can change (those sharing its old or its
// new key values), with the messages Validate gives; the rest of the file
// cannot change.
func (j *job) recheck(i int) {
	start := time.Now()
	v := j.val
	errs, keys, failed := j.recheckr.Check(j.rows[i])
	touched := v.dups.remove(i, []int{i})
	if !failed {
		touched = v.dups.add(i, keys, touched)
	}
	slices.Sort(touched)
	touched = slices.Compact(touched)
	lineOf := func(r int) int { return j.rows[r].Line }
	for _, r := range touched {
		var probs, warns []batch.Problem
		if r == i {
			probs, warns = batch.Problems(errs)
		} else {
			// Another row's own problems are as they were: only its
			// duplicate errors (always last) can change.
			probs = slices.DeleteFunc(slices.Clone(v.probs[r]), func(p batch.Problem) bool {
				return p.Code == string(schema.DuplicateInFile)
			})
			warns = v.warns[r]
		}
		if v.dups.keys[r] != nil {
			dp, _ := batch.Problems(v.dups.errs(r, lineOf))
			probs = append(probs, dp...)
		}
		v.set(r, probs, warns)
	}
	v.took = time.Since(start)
}

type collectSink struct {
	j *job
	v *validation
}

func (c *collectSink) Keys(line int, keys []string) {
	if i, ok := c.j.byLine[line]; ok {
		c.v.dups.put(i, keys)
	}
}

func (c *collectSink) Write(o batch.Outcome) error {
	i, ok := c.j.byLine[o.Line]
	if !ok {
		return fmt.Errorf("row %d: not in the upload", o.Line)
	}
	if len(o.Problems) > 0 {
		c.v.probs[i] = o.Problems
		c.v.invalid = append(c.v.invalid, i)
		for _, p := range o.Problems {
			c.v.byCode[p.Code]++
		}
	}
	if len(o.Warnings) > 0 {
		c.v.warns[i] = o.Warnings
	}
	return nil
}

func (c *collectSink) Close(*batch.Summary) error { return nil }

// memReader serves the job's rows to batch.Validate as a file would.
type memReader struct {
	header    []string
	headerRow int
	rows      []read.Row
	i         int
	clone     bool // validation masks secret cells in place: give it copies
}

func (m *memReader) Header() []string   { return m.header }
func (m *memReader) HeaderRow() int     { return m.headerRow }
func (m *memReader) Warnings() []string { return nil }
func (m *memReader) Close() error       { return nil }
func (m *memReader) EstimateRows() int  { return len(m.rows) }
func (m *memReader) Read() (read.Row, error) {
	if m.i >= len(m.rows) {
		return read.Row{}, io.EOF
	}
	r := m.rows[m.i]
	m.i++
	if m.clone {
		r.Cells = slices.Clone(r.Cells)
	}
	return r, nil
}

// runInput is the file a run reads: the upload itself, or, once cells
// were corrected on the page, corrected.csv, which keeps every row on its
// own row number (blank lines stand for the rows above the header and the
// blank rows), so the results name the rows the user knows.
func (j *job) runInput() (path string, corrected bool, err error) {
	if len(j.meta.Edits) == 0 {
		return j.rosterPath(), false, nil
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	line := 1
	pad := func(to int) {
		for ; line < to; line++ {
			buf.WriteString("\n")
		}
	}
	pad(j.info.HeaderRow)
	if err := w.Write(j.header); err != nil {
		return "", false, err
	}
	w.Flush()
	line++
	for _, r := range j.rows {
		pad(r.Line)
		if err := w.Write(r.Cells); err != nil {
			return "", false, err
		}
		w.Flush()
		line++
	}
	if err := w.Error(); err != nil {
		return "", false, err
	}
	p := j.path("corrected.csv")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		return "", false, err
	}
	return p, true, nil
}

// jobStore is the server's jobs, each a folder under dir/jobs.
type jobStore struct {
	mu   sync.Mutex
	dir  string
	jobs map[string]*job
}

func (s *jobStore) get(id string) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[id]
}

func (s *jobStore) list() []*job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*job, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].meta.Created.After(out[b].meta.Created) })
	return out
}

// open finds every job kept under dir/jobs. A job still running when the
// server stopped is interrupted: Resume runs it again through the same
// state store, which skips who was created.
func (s *jobStore) open(stderr io.Writer) error {
	s.jobs = map[string]*job{}
	ents, err := os.ReadDir(filepath.Join(s.dir, "jobs"))
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		j := &job{dir: filepath.Join(s.dir, "jobs", e.Name())}
		b, err := os.ReadFile(j.path("job.json"))
		if err != nil {
			continue // an upload cut short: purge removes it
		}
		if err := json.Unmarshal(b, &j.meta); err != nil || j.meta.ID != e.Name() {
			fmt.Fprintf(stderr, "onboard serve: job %s: unreadable job.json, skipped\n", e.Name())
			continue
		}
		if j.meta.Status == jobRunning || j.meta.Status == jobStopping {
			j.meta.Status = jobInterrupted
			j.meta.Message = "the server stopped while this job ran; Resume goes on where it stopped (nobody is created twice)"
			_ = j.save()
		}
		// The rows are read when the job is first opened (jobFor): a
		// month of history does not sit in memory.
		s.jobs[j.meta.ID] = j
	}
	return nil
}

// unloadIdle drops the rows of jobs nobody opened for idle (they are read
// again when next opened); a running or planning job keeps them.
func (s *jobStore) unloadIdle(idle time.Duration, now time.Time) {
	for _, j := range s.list() {
		j.mu.Lock()
		if j.loaded && j.cancel == nil && !j.planning && now.Sub(j.used) > idle {
			j.rows, j.byLine, j.mapper, j.val, j.loaded = nil, nil, nil, nil, false
		}
		j.mu.Unlock()
	}
}

// purge deletes jobs older than keep, with their uploaded files; a running
// job is left alone.
func (s *jobStore) purge(keep time.Duration, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, j := range s.jobs {
		j.mu.Lock()
		old := now.Sub(j.meta.Created) > keep && j.cancel == nil
		j.mu.Unlock()
		if old {
			if err := os.RemoveAll(j.dir); err == nil {
				delete(s.jobs, id)
			}
		}
	}
	// Folders without a job.json (an upload cut short) older than a day.
	ents, _ := os.ReadDir(filepath.Join(s.dir, "jobs"))
	for _, e := range ents {
		if _, ok := s.jobs[e.Name()]; ok {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > 24*time.Hour {
			_ = os.RemoveAll(filepath.Join(s.dir, "jobs", e.Name()))
		}
	}
}
