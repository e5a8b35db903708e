package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/onboard/onboard/schema"
)

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
	s.render(w, "map.html", map[string]any{"Presets": s.presets(j.reg.ID), "Title": "Map the columns", "Job": j.meta, "Info": j.info, "Columns": cols, "Values": values,
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
	tmp, name, ok := s.receiveUpload(w, r, j, "mapping", schema.MaxMappingBytes+1<<20, "choose a mapping file (.yaml) to load",
		func(string) (string, error) { return ".yaml", nil })
	if !ok {
		return
	}
	defer os.Remove(tmp)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.busy() || j.planning {
		s.problemPage(w, http.StatusConflict, "the job is running or being planned: the mapping cannot change now")
		return
	}
	s.useMappingFile(w, r, j, tmp, name)
}

// useMappingFile makes the mapping file at tmp (named name for the user)
// the job's mapping.yaml and binds it; on any error the job keeps its
// mapping and the Map step says why. The caller holds j.mu.
func (s *server) useMappingFile(w http.ResponseWriter, r *http.Request, j *job, tmp, name string) {
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

// presetDir holds the vendor's saved mappings, one YAML file each.
func (s *server) presetDir(vendor string) string { return filepath.Join(s.dir, "presets", vendor) }

// presetName is a preset's name as a file name: letters, digits, spaces,
// dots, dashes and underscores, at most 60 characters.
// Compiled on first use: its Unicode classes took 3 ms and 2 MB at every
// start of every command.
var presetName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{N} ._-]{1,60}$`) })

func (s *server) presets(vendor string) []string {
	ents, _ := os.ReadDir(s.presetDir(vendor))
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			out = append(out, n)
		}
	}
	return out
}

// savePreset keeps the job's mapping.yaml under a name, for the vendor's
// next rosters of the same shape.
func (s *server) savePreset(j *job, name string) error {
	name = strings.TrimSpace(name)
	if !presetName().MatchString(name) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("preset name %q: use letters, digits, spaces, dots, dashes and underscores (at most 60)", name)
	}
	b, err := os.ReadFile(j.path("mapping.yaml"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.presetDir(j.reg.ID), 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.presetDir(j.reg.ID), name+".yaml"), b, 0o600)
}

// usePreset maps the job with a saved preset, as a loaded mapping file.
func (s *server) usePreset(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	name := r.FormValue("preset")
	j.mu.Lock()
	defer j.mu.Unlock()
	if !slices.Contains(s.presets(j.reg.ID), name) {
		s.renderMap(w, j, fmt.Sprintf("no preset %q for %s", name, j.reg.ID))
		return
	}
	if j.busy() || j.planning {
		s.problemPage(w, http.StatusConflict, "the job is running or being planned: the mapping cannot change now")
		return
	}
	b, err := os.ReadFile(filepath.Join(s.presetDir(j.reg.ID), name+".yaml"))
	if err != nil {
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	tmp := j.path("mapping-upload.yaml")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		s.problemPage(w, http.StatusInternalServerError, err.Error())
		return
	}
	defer os.Remove(tmp)
	s.useMappingFile(w, r, j, tmp, "preset "+name)
}

func (s *server) reread(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.busy() || j.planning || j.meta.Runs > 0 {
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
	if j.busy() || j.planning {
		s.problemPage(w, http.StatusConflict, "the job is running or being planned: the mapping cannot change now")
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
	if p := r.FormValue("preset"); p != "" {
		if err := s.savePreset(j, p); err != nil {
			s.renderMap(w, j, err.Error())
			return
		}
	}
	if r.FormValue("download") != "" {
		serveFile(w, r, j.path("mapping.yaml"), "mapping.yaml")
		return
	}
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/review", http.StatusSeeOther)
}
