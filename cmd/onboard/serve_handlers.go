package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/cmd/onboard/web"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/reports"
	"github.com/onboard/onboard/schema"
)

// maxUpload bounds an uploaded roster.
const maxUpload = 256 << 20

// windowRows is how many rows the grid fetches at a time: the browser
// never holds the whole roster.
const windowRows = 50

// server is the page's state: the jobs, the one run at a time (runs share
// the state store, as two `onboard run` would), and the run settings.
type server struct {
	f         *serveFlags
	dir       string
	statePath string
	auth      *serveAuth
	jobs      *jobStore
	tmpl      *template.Template
	stderr    io.Writer

	runMu   sync.Mutex
	running *job
	wg      sync.WaitGroup
	quit    chan struct{}
	closed  sync.Once
}

func newServer(f *serveFlags, stderr io.Writer) (*server, error) {
	dir, err := prepareDir(f.dir)
	if err != nil {
		return nil, err
	}
	a, err := newServeAuth(f)
	if err != nil {
		return nil, err
	}
	t, err := template.New("").Funcs(template.FuncMap{
		"when":   func(t time.Time) string { return t.Local().Format("2 Jan 2006 15:04") },
		"advice": adviceFor,
		"add":    func(a, b int) int { return a + b },
	}).ParseFS(web.FS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	s := &server{f: f, dir: dir, statePath: filepath.Join(dir, "onboard-state.db"), auth: a, tmpl: t,
		stderr: stderr, jobs: &jobStore{dir: dir}, quit: make(chan struct{})}
	if err := s.jobs.open(stderr); err != nil {
		return nil, err
	}
	keep := time.Duration(f.keep) * 24 * time.Hour
	s.jobs.purge(keep, time.Now())
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case now := <-t.C:
				s.jobs.purge(keep, now)
			}
		}
	}()
	return s, nil
}

func (s *server) close() {
	s.closed.Do(func() {
		close(s.quit)
		s.stopRuns()
		s.wg.Wait()
	})
}

// stopRuns asks a running job to stop (its results are written) and
// waits for it.
func (s *server) stopRuns() {
	s.runMu.Lock()
	j := s.running
	s.runMu.Unlock()
	if j == nil {
		return
	}
	j.mu.Lock()
	cancel, done := j.cancel, j.done
	j.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// handler is every route behind the login, with CSRF refused by Go's
// cross-origin protection (Sec-Fetch-Site / Origin checks).
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(web.FS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /history", s.history)
	mux.HandleFunc("GET /template/{vendor}", s.template)
	mux.HandleFunc("POST /jobs", s.upload)
	mux.HandleFunc("GET /jobs/{id}", s.jobPage)
	mux.HandleFunc("GET /jobs/{id}/map", s.mapPage)
	mux.HandleFunc("POST /jobs/{id}/map", s.saveMap)
	mux.HandleFunc("POST /jobs/{id}/mappingfile", s.loadMappingFile)
	mux.HandleFunc("POST /jobs/{id}/read", s.reread)
	mux.HandleFunc("GET /jobs/{id}/review", s.review)
	mux.HandleFunc("GET /jobs/{id}/rows", s.rowsFragment)
	mux.HandleFunc("POST /jobs/{id}/cell", s.editCell)
	mux.HandleFunc("POST /jobs/{id}/replace", s.replace)
	mux.HandleFunc("POST /jobs/{id}/fixfile", s.fixFile)
	mux.HandleFunc("GET /jobs/{id}/plan", s.planPage)
	mux.HandleFunc("POST /jobs/{id}/plan", s.makePlan)
	mux.HandleFunc("POST /jobs/{id}/run", s.startRun)
	mux.HandleFunc("GET /jobs/{id}/run", s.runPage)
	mux.HandleFunc("GET /jobs/{id}/events", s.events)
	mux.HandleFunc("POST /jobs/{id}/stop", s.stopRun)
	mux.HandleFunc("POST /jobs/{id}/delete", s.deleteJob)
	mux.HandleFunc("GET /jobs/{id}/files/{name}", s.download)
	// Cross-origin requests are refused first (403), logged in or not.
	var h http.Handler = s.auth.wrap(mux)
	h = http.NewCrossOriginProtection().Handler(h)
	return securityHeaders(h)
}

// securityHeaders: nothing is loaded from elsewhere, the page is not framed.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func (s *server) render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		// A template bug; the error names no cell.
		fmt.Fprintln(s.stderr, "onboard serve: page", name+":", err)
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// problemPage shows one line saying what went wrong and what to do.
func (s *server) problemPage(w http.ResponseWriter, code int, msg string) {
	w.WriteHeader(code)
	s.render(w, "problem.html", map[string]any{"Title": "Something needs attention", "Message": msg})
}

// vendorView is a vendor as the home page lists it: ready or which
// credentials IT has not set (names only, never values).
type vendorView struct {
	ID, Title string
	Ready     bool
	Missing   string
	Simulated bool
}

func (s *server) vendors() []vendorView {
	var out []vendorView
	for _, id := range providers.Names() {
		reg, err := providers.Lookup(id)
		if err != nil {
			continue
		}
		v := vendorView{ID: reg.ID, Title: reg.Title, Simulated: s.f.simulate}
		if !s.f.simulate {
			creds, _, err := loadCredentials(s.f.config, reg.Credentials, io.Discard)
			if err == nil {
				miss := missingCredentials(reg.Credentials, creds)
				v.Ready = len(miss) == 0
				v.Missing = strings.Join(miss, " or ")
			} else {
				v.Missing = "the --config file cannot be read"
			}
		}
		out = append(out, v)
	}
	return out
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, "home.html", map[string]any{"Title": "Onboard a roster", "Vendors": s.vendors(),
		"Jobs": s.jobViews(10), "Simulate": s.f.simulate})
}

func (s *server) history(w http.ResponseWriter, r *http.Request) {
	s.render(w, "history.html", map[string]any{"Title": "History", "Jobs": s.jobViews(0), "Keep": s.f.keep})
}

// jobView is a job's line in the history.
type jobView struct {
	jobMeta
	Step string
}

func (s *server) jobViews(n int) []jobView {
	var out []jobView
	for _, j := range s.jobs.list() {
		j.mu.Lock()
		v := jobView{jobMeta: j.meta}
		if j.cancel != nil {
			v.Counts = j.live
		}
		j.mu.Unlock()
		out = append(out, v)
		if n > 0 && len(out) == n {
			break
		}
	}
	return out
}

func (s *server) template(w http.ResponseWriter, r *http.Request) {
	reg, err := providers.Lookup(r.PathValue("vendor"))
	if err != nil {
		s.problemPage(w, http.StatusNotFound, err.Error())
		return
	}
	tmp, err := os.MkdirTemp(s.dir, "template-")
	if err != nil {
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	defer os.RemoveAll(tmp)
	p := filepath.Join(tmp, reg.ID+"-roster.xlsx")
	if err := reports.WriteTemplate(p, reg.Schema, reports.TemplateOptions{Version: shortVersion()}); err != nil {
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	serveFile(w, r, p, reg.ID+"-roster.xlsx")
}

func serveFile(w http.ResponseWriter, r *http.Request, path, name string) {
	fh, err := os.Open(path)
	if err != nil {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	http.ServeContent(w, r, name, st.ModTime(), fh)
}

// upload stores the roster 0600 in a new job folder and reads it.
func (s *server) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		s.problemPage(w, http.StatusBadRequest, "the upload did not arrive whole (at most 256 MB): "+err.Error())
		return
	}
	defer r.MultipartForm.RemoveAll()
	reg, err := providers.Lookup(r.FormValue("vendor"))
	if err != nil {
		s.problemPage(w, http.StatusBadRequest, err.Error())
		return
	}
	file, hdr, err := r.FormFile("roster")
	if err != nil {
		s.problemPage(w, http.StatusBadRequest, "choose a roster file (CSV or XLSX) to upload")
		return
	}
	defer file.Close()
	ext := strings.ToLower(filepath.Ext(hdr.Filename))
	switch ext {
	case ".csv", ".xlsx", ".txt", ".tsv", ".xlsm":
	default:
		s.problemPage(w, http.StatusBadRequest, fmt.Sprintf("%s: upload a .csv or .xlsx file", filepath.Base(hdr.Filename)))
		return
	}
	id := time.Now().UTC().Format("20060102-150405") + "-" + newToken()[:8]
	j := &job{dir: filepath.Join(s.dir, "jobs", id), meta: jobMeta{ID: id, User: userOf(r), File: filepath.Base(hdr.Filename),
		Ext: ext, Vendor: reg.ID, Created: time.Now().UTC(), Status: jobUploaded,
		Simulate: s.f.simulate || r.FormValue("simulate") == "on"}}
	if err := os.Mkdir(j.dir, 0o700); err != nil {
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	if err := writeUpload(j.rosterPath(), file); err != nil {
		os.RemoveAll(j.dir)
		s.problemPage(w, http.StatusInternalServerError, "could not store the upload: "+err.Error())
		return
	}
	if err := j.load(r.Context()); err != nil {
		os.RemoveAll(j.dir)
		s.problemPage(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := j.save(); err != nil {
		os.RemoveAll(j.dir)
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.jobs.mu.Lock()
	s.jobs.jobs[id] = j
	s.jobs.mu.Unlock()
	http.Redirect(w, r, "/jobs/"+id+"/map", http.StatusSeeOther)
}

func writeUpload(path string, src io.Reader) error {
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(fh, src); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// jobFor finds the request's job, or answers 404.
func (s *server) jobFor(w http.ResponseWriter, r *http.Request) *job {
	j := s.jobs.get(r.PathValue("id"))
	if j == nil {
		s.problemPage(w, http.StatusNotFound, "no such job: it may have been deleted after its --keep days")
		return nil
	}
	j.mu.Lock()
	unreadable := j.reg == nil
	j.mu.Unlock()
	if unreadable {
		s.problemPage(w, http.StatusConflict, "this job's roster can no longer be read; delete it and upload again")
		return nil
	}
	return j
}

func (s *server) jobPage(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	st := j.meta.Status
	j.mu.Unlock()
	step := "map"
	switch st {
	case jobMapped:
		step = "review"
	case jobRunning, jobStopping, jobFinished, jobInterrupted:
		step = "run"
	}
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/"+step, http.StatusSeeOther)
}

// columnView is one roster column on the Map step.
type columnView struct {
	Index   int
	Header  string
	Sample  string
	Field   string // chosen or guessed
	Guess   string // why it was guessed, "" when chosen or none
	Own     bool   // onboard's own column (a fix file's): never sent
	Extra   bool   // ticked into the free-form field
	Secret  bool
	Options []string
}

// guess is the alias match run makes without a mapping file, with its reason.
func guess(s *schema.Schema, header string) (field, why string) {
	n := schema.NormalizeHeader(header)
	for _, f := range s.Fields {
		if schema.NormalizeHeader(f.Name) == n {
			if header == f.Name {
				return f.Name, "the header is the field's name"
			}
			return f.Name, "the header is the field's name, spelled another way"
		}
	}
	for _, f := range s.Fields {
		for _, a := range f.Aliases {
			if schema.NormalizeHeader(a) == n {
				return f.Name, fmt.Sprintf("the header matches %q, a usual name for %s", a, f.Name)
			}
		}
	}
	return "", ""
}

func (s *server) mapPage(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	s.renderMap(w, j, "")
}

func (s *server) renderMap(w http.ResponseWriter, j *job, problem string) {
	sch := j.reg.Schema
	var fields []string
	for _, f := range sch.Fields {
		if f.Name != sch.Extra {
			fields = append(fields, f.Name)
		}
	}
	var cols []columnView
	chosen := map[string]bool{}
	for i, h := range j.header {
		c := columnView{Index: i, Header: h, Own: schema.IsOwnColumn(h), Options: fields, Secret: schema.SecretHeader(h)}
		if !c.Secret {
			for _, row := range j.rows {
				if i < len(row.Cells) && strings.TrimSpace(row.Cells[i]) != "" {
					c.Sample = row.Cells[i]
					break
				}
			}
		}
		if m := j.meta.Mapping; m != nil {
			c.Field = m.Columns[h]
			c.Extra = slices.Contains(m.Extra, h)
		} else if j.meta.MappingFile != "" && j.mapper != nil {
			for f, at := range j.mapper.FieldColumns() {
				if slices.Contains(at, i) && f != sch.Extra {
					c.Field, c.Guess = f, "from "+j.meta.MappingFile
				}
			}
		} else if !c.Own {
			c.Field, c.Guess = guess(sch, h)
			if c.Field == sch.Extra {
				c.Field, c.Guess = "", ""
			}
		}
		chosen[c.Field] = true
		cols = append(cols, c)
	}
	var required []string
	for _, f := range sch.Fields {
		if f.Required && !chosen[f.Name] {
			required = append(required, f.Name)
		}
	}
	identity := ""
	if j.meta.Mapping != nil {
		identity = j.meta.Mapping.Identity
	}
	values := j.valueViews(cols)
	s.render(w, "map.html", map[string]any{"Title": "Map the columns", "Job": j.meta, "Info": j.info, "Columns": cols, "Values": values,
		"Rows": len(j.rows), "Required": required, "Extra": sch.Extra, "Identity": identity, "Header": j.header,
		"Problem": problem, "Step": "map"})
}

// valueView is one column's values that its enum field does not take as
// they are: each gets a drop-down of the vendor's values.
type valueView struct {
	Col    int
	Header string
	Field  string
	Enum   []string
	Values []valueChoice
	More   int // further distinct values not shown
}

type valueChoice struct {
	Index  int
	Value  string
	Chosen string
}

// maxValueChoices bounds the value-mapping list per column.
const maxValueChoices = 30

// enumTakes says whether field f takes v as it is: one of its values in
// any case, or a synonym (as validation canonicalises).
func enumTakes(f *schema.Field, v string) bool {
	if _, ok := f.Synonyms[strings.ToLower(v)]; ok {
		return true
	}
	return slices.ContainsFunc(f.Enum, func(e string) bool { return strings.EqualFold(e, v) })
}

func (j *job) valueViews(cols []columnView) []valueView {
	var out []valueView
	var saved map[string]map[string]string
	if j.meta.Mapping != nil {
		saved = j.meta.Mapping.Values
	}
	for _, c := range cols {
		f := j.reg.Schema.Field(c.Field)
		if c.Field == "" || f == nil || len(f.Enum) == 0 || c.Secret {
			continue
		}
		vv := valueView{Col: c.Index, Header: c.Header, Field: f.Name, Enum: f.Enum}
		seen := map[string]bool{}
		for _, row := range j.rows {
			if c.Index >= len(row.Cells) {
				continue
			}
			v := strings.TrimSpace(row.Cells[c.Index])
			k := strings.ToLower(v)
			if v == "" || seen[k] {
				continue
			}
			seen[k] = true
			chosen := ""
			for sv, to := range saved[f.Name] {
				if strings.EqualFold(strings.TrimSpace(sv), v) {
					chosen = to
				}
			}
			if chosen == "" && enumTakes(f, v) {
				continue
			}
			if len(vv.Values) == maxValueChoices {
				vv.More++
				continue
			}
			vv.Values = append(vv.Values, valueChoice{Index: len(vv.Values), Value: v, Chosen: chosen})
		}
		if len(vv.Values) > 0 {
			out = append(out, vv)
		}
	}
	return out
}

// loadMappingFile takes a YAML mapping file, the one run -m reads, as the
// job's mapping: constants, defaults, value maps and transforms included.
func (s *server) loadMappingFile(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, schema.MaxMappingBytes+1<<20)
	file, hdr, err := r.FormFile("mapping")
	if err != nil {
		s.problemPage(w, http.StatusBadRequest, "choose a mapping file (.yaml) to load")
		return
	}
	defer file.Close()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cancel != nil {
		s.problemPage(w, http.StatusConflict, "the job is running: the mapping cannot change now")
		return
	}
	name := filepath.Base(hdr.Filename)
	tmp := j.path("mapping-upload.yaml")
	_ = os.Remove(tmp)
	if err := writeUpload(tmp, file); err != nil {
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	defer os.Remove(tmp)
	m, err := schema.LoadMapping(tmp)
	if err != nil {
		s.renderMap(w, j, stripPath(err, tmp, name).Error())
		return
	}
	if len(m.Lookups) > 0 {
		s.renderMap(w, j, name+": lookups: need their tables beside the mapping file; run it with 'onboard run -m', or put the IDs in the roster")
		return
	}
	old, oldFile := j.meta.Mapping, j.meta.MappingFile
	prev, _ := os.ReadFile(j.path("mapping.yaml"))
	if err := os.Rename(tmp, j.path("mapping.yaml")); err != nil {
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	oldHeaderRow := j.meta.HeaderRow
	j.meta.Mapping, j.meta.MappingFile = nil, name
	bind := j.bind
	if m.HeaderRow > 0 && m.HeaderRow != j.info.HeaderRow {
		// The file says where the header is, as run would read it.
		j.meta.HeaderRow = m.HeaderRow
		bind = func() error { return j.load(r.Context()) }
	}
	if err := bind(); err != nil {
		j.meta.Mapping, j.meta.MappingFile, j.meta.HeaderRow = old, oldFile, oldHeaderRow
		if prev != nil {
			_ = os.WriteFile(j.path("mapping.yaml"), prev, 0o600)
		} else {
			_ = os.Remove(j.path("mapping.yaml"))
		}
		_ = j.load(context.Background())
		s.renderMap(w, j, err.Error())
		return
	}
	j.meta.Status = jobMapped
	_ = j.save()
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/review", http.StatusSeeOther)
}

func (s *server) reread(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cancel != nil || j.meta.Runs > 0 {
		s.problemPage(w, http.StatusConflict, "this job has run: upload the file again to read it another way")
		return
	}
	old := j.meta
	j.meta.Sheet = strings.TrimSpace(r.FormValue("sheet"))
	j.meta.Delimiter = r.FormValue("delimiter")
	j.meta.Encoding = r.FormValue("encoding")
	j.meta.HeaderRow, _ = strconv.Atoi(r.FormValue("header_row"))
	j.meta.Mapping, j.meta.MappingFile, j.meta.Edits, j.mapper, j.val = nil, "", nil, nil, nil
	j.meta.Status = jobUploaded
	if err := j.load(r.Context()); err != nil {
		j.meta = old
		_ = j.load(context.Background())
		s.renderMap(w, j, err.Error())
		return
	}
	_ = j.save()
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/map", http.StatusSeeOther)
}

func (s *server) saveMap(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.problemPage(w, http.StatusBadRequest, err.Error())
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cancel != nil {
		s.problemPage(w, http.StatusConflict, "the job is running: the mapping cannot change now")
		return
	}
	m := &pageMapping{Columns: map[string]string{}, Identity: r.FormValue("identity")}
	for i, h := range j.header {
		f := r.FormValue("col" + strconv.Itoa(i))
		if f != "" {
			if j.reg.Schema.Field(f) == nil {
				s.renderMap(w, j, fmt.Sprintf("column %q: %s has no field %q", h, j.reg.ID, f))
				return
			}
			m.Columns[h] = f
		}
		if r.FormValue("extra"+strconv.Itoa(i)) == "on" && f == "" {
			m.Extra = append(m.Extra, h)
		}
	}
	if m.Identity != "" && !slices.Contains(j.header, m.Identity) {
		m.Identity = ""
	}
	// Value mapping: vmap-COL-K names the vendor value for vsrc-COL-K.
	for i, h := range j.header {
		f := j.reg.Schema.Field(m.Columns[h])
		if f == nil {
			continue
		}
		for k := range maxValueChoices {
			src, to := r.FormValue(fmt.Sprintf("vsrc-%d-%d", i, k)), r.FormValue(fmt.Sprintf("vmap-%d-%d", i, k))
			if src == "" || to == "" {
				continue
			}
			if !slices.Contains(f.Enum, to) {
				s.renderMap(w, j, fmt.Sprintf("column %q: %q is not one of %s's values for %s", h, to, j.reg.ID, f.Name))
				return
			}
			if m.Values == nil {
				m.Values = map[string]map[string]string{}
			}
			if m.Values[f.Name] == nil {
				m.Values[f.Name] = map[string]string{}
			}
			m.Values[f.Name][src] = to
		}
	}
	old, oldFile := j.meta.Mapping, j.meta.MappingFile
	j.meta.Mapping, j.meta.MappingFile = m, ""
	if err := j.bind(); err != nil {
		j.meta.Mapping, j.meta.MappingFile = old, oldFile
		if oldFile != "" {
			_ = j.load(context.Background())
		}
		s.renderMap(w, j, err.Error())
		return
	}
	j.meta.Status = jobMapped
	_ = j.save()
	if r.FormValue("download") != "" {
		serveFile(w, r, j.path("mapping.yaml"), "mapping.yaml")
		return
	}
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/review", http.StatusSeeOther)
}

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
	Errors     bool
	Dups       bool // duplicates side by side: each row the file repeats, after the row it repeats
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

func (j *job) gridRows(errorsOnly, dups bool) []int {
	switch {
	case dups:
		return j.duplicatePairs()
	case errorsOnly && j.val != nil:
		return j.val.invalid
	}
	return nil // every row
}

func (j *job) grid(from int, errorsOnly, dups bool) gridView {
	g := gridView{JobID: j.meta.ID, Header: j.header, Errors: errorsOnly && !dups, Dups: dups}
	idx := func(k int) int { return k }
	g.Total = len(j.rows)
	if list := j.gridRows(errorsOnly, dups); list != nil || dups || (errorsOnly && j.val != nil) {
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
	errorsOnly, dups := r.URL.Query().Get("errors") == "1", r.URL.Query().Get("dups") == "1"
	replaced, fixed, fixRows := r.URL.Query().Get("replaced"), r.URL.Query().Get("fixed"), r.URL.Query().Get("fixrows")
	s.render(w, "review.html", map[string]any{"Title": "Review the rows", "Job": j.meta, "Summary": j.summary(),
		"Grid": j.grid(0, errorsOnly, dups), "HasDups": j.val.byCode[string(schema.DuplicateInFile)] > 0, "Step": "review", "Locked": j.cancel != nil, "Header": j.header, "Replaced": replaced, "Fixed": fixed, "FixRows": fixRows,
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
		if list := j.gridRows(q.Get("errors") == "1", q.Get("dups") == "1"); list != nil {
			from = max(0, slices.IndexFunc(list, func(i int) bool { return j.rows[i].Line >= line }))
		}
	}
	s.render(w, "grid", j.grid(from, q.Get("errors") == "1", q.Get("dups") == "1"))
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
	case j.cancel != nil:
		http.Error(w, "the job is running: cells cannot change now", http.StatusConflict)
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
	if err := j.validate(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
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
	case j.cancel != nil:
		s.problemPage(w, http.StatusConflict, "the job is running: cells cannot change now")
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
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	file, hdr, err := r.FormFile("fix")
	if err != nil {
		s.problemPage(w, http.StatusBadRequest, "choose the fix file to upload")
		return
	}
	defer file.Close()
	ext := strings.ToLower(filepath.Ext(hdr.Filename))
	if ext != ".csv" && ext != ".xlsx" && ext != ".tsv" && ext != ".txt" {
		s.problemPage(w, http.StatusBadRequest, fmt.Sprintf("%s: upload the fix file (.csv or .xlsx) onboard wrote", filepath.Base(hdr.Filename)))
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.mapper == nil:
		http.Redirect(w, r, "/jobs/"+j.meta.ID+"/map", http.StatusSeeOther)
		return
	case j.cancel != nil:
		s.problemPage(w, http.StatusConflict, "the job is running: corrections can come when it has finished")
		return
	}
	tmp := j.path("fix-upload" + ext)
	_ = os.Remove(tmp)
	if err := writeUpload(tmp, file); err != nil {
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	defer os.Remove(tmp)
	changed, rows, err := j.applyFixFile(tmp, filepath.Base(hdr.Filename))
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

// planView is `onboard plan`'s totals for the page.
type planView struct {
	Counts []codeCount
	Lines  []string
	Error  string
}

func (s *server) planPage(w http.ResponseWriter, r *http.Request) {
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
	s.renderPlan(w, j, nil)
}

func (s *server) renderPlan(w http.ResponseWriter, j *job, pv *planView) {
	_, canUpdate := s.updater(j)
	s.render(w, "plan.html", map[string]any{"Title": "Plan and confirm", "Job": j.meta, "Plan": pv, "Step": "plan",
		"Summary": j.summary(), "CanUpdate": canUpdate, "Running": j.cancel != nil})
}

// updater says whether the vendor documents an update call.
func (s *server) updater(j *job) (string, bool) {
	c, err := j.reg.New(providers.Config{BaseURL: "http://127.0.0.1", Credentials: map[string]string{}})
	if err != nil {
		// Without credentials some clients refuse to be built; ask a
		// simulator's instead (the same client type).
		sim := j.reg.Simulator
		if sim == nil {
			return "", false
		}
		srv := sim(simOptions())
		c, err = j.reg.New(providers.Config{BaseURL: "http://127.0.0.1", Credentials: srv.Credentials})
		if err != nil {
			return "", false
		}
	}
	_, ok := c.(providers.Updater)
	return j.reg.ID, ok
}

// makePlan runs `onboard plan` for the job: the same function, its
// choices taken from the form.
func (s *server) makePlan(w http.ResponseWriter, r *http.Request) {
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
	existing := r.FormValue("existing")
	if _, err := parseExisting(existing); err != nil {
		s.renderPlan(w, j, &planView{Error: "choose what to do with people the vendor already has"})
		return
	}
	j.meta.Existing, j.meta.Update = existing, r.FormValue("update") == "on"
	input, _, err := j.runInput()
	if err != nil {
		s.renderPlan(w, j, &planView{Error: err.Error()})
		return
	}
	pf := &planFlags{in: j.inputFlags(), simulate: j.meta.Simulate, baseURL: s.f.baseURL, config: s.f.config,
		stateFile: s.statePath, quiet: true, timeout: s.f.timeout, existing: existing, update: j.meta.Update, submit: s.f.submit}
	pf.submit.Breaker, pf.submit.MaxCreates, pf.submit.MaxFailures = 0, 0, 0
	if !pf.simulate && !s.vendorReady(j.reg) {
		pf.offline = true // no credentials: the state store alone
	}
	pv := &planView{}
	pf.planned = func(sum *batch.Summary, est *batch.PlanEstimate) {
		for _, st := range batch.PlanDecisions {
			pv.Counts = append(pv.Counts, codeCount{Code: string(st), Count: sum.ByStatus[st]})
		}
		pv.Counts = append(pv.Counts, codeCount{Code: "missing", Count: sum.Missing})
		pv.Lines = reports.PlanLines(sum, est)
	}
	var out bytes.Buffer
	err = planRoster(commandFor(r.Context(), &out), pf, input)
	var ee *exitError
	if err != nil && !(errors.As(err, &ee) && ee.code == exitSomeFailed && pv.Lines != nil) {
		pv.Error = strings.ReplaceAll(errorLine(err), j.dir+string(filepath.Separator), "")
	}
	j.meta.Status = jobMapped
	_ = j.save()
	s.renderPlan(w, j, pv)
}

func errorLine(err error) string {
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err == nil {
			return "" // rows failed: the counts say so
		}
		return ee.err.Error()
	}
	return err.Error()
}

func (j *job) inputFlags() inputFlags {
	return inputFlags{provider: j.reg.ID, mapping: j.path("mapping.yaml")}
}

func (s *server) vendorReady(reg *providers.Registration) bool {
	creds, _, err := loadCredentials(s.f.config, reg.Credentials, io.Discard)
	return err == nil && len(missingCredentials(reg.Credentials, creds)) == 0
}

// startRun starts the job's run, once: a double click, a reload or a
// second tab finds it running and shows it.
func (s *server) startRun(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	if msg := s.begin(j); msg != "" {
		j.mu.Lock()
		running := j.cancel != nil
		j.mu.Unlock()
		if running {
			http.Redirect(w, r, "/jobs/"+j.meta.ID+"/run", http.StatusSeeOther)
			return
		}
		s.problemPage(w, http.StatusConflict, msg)
		return
	}
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/run", http.StatusSeeOther)
}

// begin starts the run in the server, not in the request: it outlives the
// tab. It says why not when it cannot start.
func (s *server) begin(j *job) string {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.running != nil {
		if s.running == j {
			return "this job is running"
		}
		return "another job is running; start this one when it has finished"
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.mapper == nil:
		return "map the columns first"
	case j.meta.Existing == "":
		return "make the plan first: it asks what to do with people the vendor already has"
	case j.meta.Status == jobFinished && j.meta.Stop == state.RunDone && j.meta.EditSeq == j.meta.RanEditSeq:
		return "this job has run to the end; correct cells on the Review step to send the corrections, or upload a new roster"
	case !j.meta.Simulate && !s.vendorReady(j.reg):
		return fmt.Sprintf("%s is not set up on this server: ask IT to set its credentials (or try the simulator)", j.reg.ID)
	}
	input, _, err := j.runInput()
	if err != nil {
		return err.Error()
	}
	fix := "fix" + filepath.Ext(input)
	rf := &runFlags{in: j.inputFlags(), out: j.path("results.xlsx"), failedOut: j.path(fix), baseURL: s.f.baseURL,
		config: s.f.config, simulate: j.meta.Simulate, stateFile: s.statePath, quiet: true, timeout: s.f.timeout,
		existing: j.meta.Existing, update: j.meta.Update, submit: s.f.submit, recordAs: j.meta.File}
	if input == j.rosterPath() {
		rf.in.sheet, rf.in.delimiter, rf.in.encoding, rf.in.headerRow = j.meta.Sheet, j.meta.Delimiter, j.meta.Encoding, j.meta.HeaderRow
	}
	if err := rf.check(); err != nil {
		return err.Error()
	}
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel, j.done = cancel, make(chan struct{})
	j.live = state.Counts{}
	rf.progress = func(sum *batch.Summary) {
		c := counts4state(sum)
		j.mu.Lock()
		j.live = c
		j.mu.Unlock()
	}
	j.meta.Status, j.meta.Started, j.meta.Ended = jobRunning, time.Now().UTC(), time.Time{}
	j.meta.Stop, j.meta.StopCode, j.meta.Message = "", "", ""
	j.meta.Runs++
	j.meta.RanEditSeq = j.meta.EditSeq
	_ = j.save()
	s.running = j
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var log bytes.Buffer // the run's own lines: file names and counts, never cells
		fr, err := runFile(ctx, &log, rf, input)
		j.mu.Lock()
		j.meta.Status, j.meta.Ended = jobFinished, time.Now().UTC()
		if fr != nil && fr.sum != nil {
			j.meta.Counts = counts4state(fr.sum)
			j.meta.Stop, j.meta.StopCode = fr.sum.Stop, fr.sum.StopCode
			j.meta.Results = true
			j.meta.Fix = ""
			if fr.fixRows > 0 {
				j.meta.Fix = fix
			}
			j.meta.Message = reports.SummaryLine(fr.sum)
		}
		if err != nil {
			if j.meta.Stop == "" {
				j.meta.Stop = state.RunAborted
			}
			if msg := errorLine(err); msg != "" {
				j.meta.Message = strings.ReplaceAll(msg, j.dir+string(filepath.Separator), "")
			}
		}
		j.cancel = nil
		_ = j.save()
		close(j.done)
		j.mu.Unlock()
		cancel()
		s.runMu.Lock()
		s.running = nil
		s.runMu.Unlock()
	}()
	return ""
}

func (s *server) stopRun(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	if j.cancel != nil {
		j.cancel() // a soft stop: requests in flight finish, the results are written
		j.meta.Status = jobStopping
	}
	j.mu.Unlock()
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/run", http.StatusSeeOther)
}

// runView is the Run step's state, for the page and the event stream.
type runView struct {
	Status    string       `json:"status"`
	Counts    state.Counts `json:"counts"`
	Stop      string       `json:"stop"`
	Message   string       `json:"message"`
	Banner    string       `json:"banner"`
	Results   bool         `json:"results"`
	Fix       string       `json:"fix"`
	Running   bool         `json:"running"`
	Resumable bool         `json:"resumable"`
}

func (j *job) runView() runView {
	v := runView{Status: j.meta.Status, Counts: j.meta.Counts, Stop: j.meta.Stop, Message: j.meta.Message,
		Results: j.meta.Results, Fix: j.meta.Fix, Running: j.cancel != nil}
	if v.Running {
		v.Counts = j.live
	}
	switch j.meta.Stop {
	case state.RunAuthFailed:
		v.Banner = "The vendor refused the credentials. Ask IT to check them, then press Resume: nobody is created twice."
	case state.RunLicences:
		v.Banner = "The vendor has no licences left. Free or buy licences, then press Resume: nobody is created twice."
	case state.RunBreaker:
		v.Banner = "The run stopped itself: row after row failed the same way (" + j.meta.StopCode + "). Fix the cause, then press Resume."
	}
	v.Resumable = !v.Running && (j.meta.Status == jobInterrupted || (j.meta.Status == jobFinished && j.meta.Stop != state.RunDone))
	return v
}

func (s *server) runPage(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	s.render(w, "run.html", map[string]any{"Title": "Run", "Job": j.meta, "Run": j.runView(), "Step": "run"})
}

// events streams the run's counts as server-sent events until it ends;
// the page reloads then to show the downloads.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	t := time.NewTicker(300 * time.Millisecond)
	defer t.Stop()
	for {
		j.mu.Lock()
		v := j.runView()
		j.mu.Unlock()
		b, _ := jsonMarshal(v)
		ev := "counts"
		if !v.Running {
			ev = "end"
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev, b); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		if !v.Running {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
}

func (s *server) deleteJob(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	running := j.cancel != nil
	j.mu.Unlock()
	if running {
		s.problemPage(w, http.StatusConflict, "the job is running: stop it first")
		return
	}
	s.jobs.mu.Lock()
	delete(s.jobs.jobs, j.meta.ID)
	s.jobs.mu.Unlock()
	_ = os.RemoveAll(j.dir)
	http.Redirect(w, r, "/history", http.StatusSeeOther)
}

// download serves the job's files under the names a user expects.
func (s *server) download(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	base := strings.TrimSuffix(j.meta.File, filepath.Ext(j.meta.File))
	var path, name string
	switch r.PathValue("name") {
	case "results.xlsx":
		if j.meta.Results && j.cancel == nil {
			path, name = j.path("results.xlsx"), base+"-results.xlsx"
		}
	case "fix":
		if j.meta.Fix != "" && j.cancel == nil {
			path, name = j.path(j.meta.Fix), base+"-fix"+filepath.Ext(j.meta.Fix)
		}
	case "mapping.yaml":
		if j.meta.Mapping != nil || j.meta.MappingFile != "" {
			path, name = j.path("mapping.yaml"), base+"-mapping.yaml"
		}
	case "corrected.csv":
		if j.mapper != nil {
			if p, corrected, err := j.runInput(); err == nil && corrected {
				path, name = p, base+"-corrected.csv"
			}
		}
	}
	j.mu.Unlock()
	if path == "" {
		http.Error(w, "no such file for this job", http.StatusNotFound)
		return
	}
	serveFile(w, r, path, name)
}
