package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/onboard/onboard/batch/jobs"
	"github.com/onboard/onboard/batch/metrics"
	"github.com/onboard/onboard/cmd/onboard/web"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/reports"
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
	sims    *liveSims
	// planWait is how long a POST of the plan waits for it to end before
	// answering with the page that follows it: a short plan shows at once.
	planWait time.Duration
	metrics  *metrics.Metrics // the runs' requests and people (--metrics)
	queue    *jobs.Store      // the state is on PostgreSQL: Start enqueues
}

func newServer(f *serveFlags, stderr io.Writer) (*server, error) {
	a, err := newServeAuth(f) // a bad --htpasswd stops us before --dir is made
	if err != nil {
		return nil, err
	}
	dir, err := prepareDir(f.dir)
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
	sims := newLiveSims()
	s := &server{sims: sims, f: f, dir: dir, statePath: filepath.Join(dir, "onboard-state.db"), auth: a, tmpl: t,
		stderr: stderr, jobs: &jobStore{dir: dir}, quit: make(chan struct{}), planWait: 2 * time.Second,
		metrics: metrics.New()}
	if err := s.jobs.open(stderr); err != nil {
		sims.close()
		return nil, err
	}
	if f.state != "" && !isPostgres(f.state) {
		s.statePath = f.state // a SQLite file of IT's choosing: runs stay in the server
	}
	if u, err := queueURL(f); err != nil {
		sims.close()
		return nil, err
	} else if u != "" {
		st, err := openJobs(context.Background(), u, f.config)
		if err != nil {
			sims.close()
			return nil, err
		}
		s.queue, s.statePath = st, u // the ledger the workers share, for the plan
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
				s.jobs.unloadIdle(time.Hour, now)
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
		s.sims.close()
		if s.queue != nil {
			s.queue.Close()
		}
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
	mux.HandleFunc("POST /jobs/{id}/preset", s.usePreset)
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
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	http.ServeContent(w, r, name, st.ModTime(), fh)
}

// receiveUpload takes the one file of field (at most limit bytes) into a
// temporary file under the job, named by the extension ext gives for the
// uploaded name (or refused with its error). On failure it answers the
// request itself (none: the message when no file came) and ok is false;
// else the caller removes tmp when done.
func (s *server) receiveUpload(w http.ResponseWriter, r *http.Request, j *job, field string, limit int64, none string,
	ext func(name string) (string, error)) (tmp, name string, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	_, name, err := receiveFile(r, field, func(name string) (string, error) {
		e, err := ext(name)
		if err != nil {
			return "", err
		}
		tmp = j.path(field + "-upload-" + newToken()[:8] + e)
		return tmp, nil
	})
	if err != nil {
		if tmp != "" {
			os.Remove(tmp)
		}
		msg := err.Error()
		if errors.Is(err, errNoFile) {
			msg = none
		}
		s.problemPage(w, http.StatusBadRequest, msg)
		return "", "", false
	}
	return tmp, name, true
}

// receiveFile streams a multipart form: the file in field goes straight to
// the path dst names for it (never to a temporary file elsewhere: a roster
// is personal data and stays under --dir), the other fields are returned.
func receiveFile(r *http.Request, field string, dst func(filename string) (string, error)) (fields map[string]string, name string, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", errors.New("the upload did not arrive as a form")
	}
	fields = map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("the upload did not arrive whole (at most 256 MB): %w", err)
		}
		if part.FormName() == field && part.FileName() != "" {
			if name != "" {
				return nil, "", errors.New("upload one file at a time")
			}
			name = filepath.Base(part.FileName())
			path, err := dst(name)
			if err != nil {
				return nil, "", err
			}
			if err := writeUpload(path, part); err != nil {
				return nil, "", fmt.Errorf("the upload did not arrive whole (at most 256 MB): %w", err)
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, 4096))
		if err != nil {
			return nil, "", err
		}
		fields[part.FormName()] = string(b)
	}
	if name == "" {
		return nil, "", errNoFile
	}
	return fields, name, nil
}

var errNoFile = errors.New("no file")

// upload stores the roster 0600 in a new job folder and reads it.
func (s *server) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	var j *job
	fields, _, err := receiveFile(r, "roster", func(name string) (string, error) {
		ext := strings.ToLower(filepath.Ext(name))
		switch ext {
		case ".csv", ".xlsx", ".txt", ".tsv", ".xlsm":
		default:
			return "", fmt.Errorf("%s: upload a .csv or .xlsx file", name)
		}
		id := time.Now().UTC().Format("20060102-150405") + "-" + newToken()[:8]
		j = &job{dir: filepath.Join(s.dir, "jobs", id), meta: jobMeta{ID: id, User: userOf(r), File: name,
			Ext: ext, Created: time.Now().UTC(), Status: jobUploaded}}
		if err := os.Mkdir(j.dir, 0o700); err != nil {
			return "", err
		}
		return j.rosterPath(), nil
	})
	fail := func(code int, msg string) {
		if j != nil {
			_ = os.RemoveAll(j.dir)
		}
		s.problemPage(w, code, msg)
	}
	switch {
	case errors.Is(err, errNoFile):
		fail(http.StatusBadRequest, "choose a roster file (CSV or XLSX) to upload")
		return
	case err != nil:
		fail(http.StatusBadRequest, err.Error())
		return
	}
	reg, err := providers.Lookup(fields["vendor"])
	if err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	j.meta.Vendor, j.meta.Simulate = reg.ID, s.f.simulate || fields["simulate"] == "on"
	if err := j.load(r.Context()); err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	j.loaded = true
	if err := j.save(); err != nil {
		fail(http.StatusInternalServerError, err.Error())
		return
	}
	s.jobs.mu.Lock()
	s.jobs.jobs[j.meta.ID] = j
	s.jobs.mu.Unlock()
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/map", http.StatusSeeOther)
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
	if !j.loaded && j.loadErr == nil {
		if err := j.load(context.Background()); err != nil {
			j.loadErr = err
		} else {
			j.loaded = true
		}
	}
	j.used = time.Now()
	loadErr := j.loadErr
	j.mu.Unlock()
	if loadErr != nil {
		w.WriteHeader(http.StatusConflict)
		s.render(w, "broken.html", map[string]any{"Title": "This job cannot be opened", "Job": j.meta, "Error": loadErr.Error()})
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

func (s *server) deleteJob(w http.ResponseWriter, r *http.Request) {
	j := s.jobs.get(r.PathValue("id")) // a job that cannot be read any more can still go
	if j == nil {
		s.problemPage(w, http.StatusNotFound, "no such job: it may have been deleted after its --keep days")
		return
	}
	j.mu.Lock()
	running := j.cancel != nil || j.planning || j.queuedOpen()
	j.mu.Unlock()
	if running {
		s.problemPage(w, http.StatusConflict, "the job is running, queued or being planned: stop it (or wait for the plan) first")
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
