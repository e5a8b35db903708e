package read

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/xuri/excelize/v2"
)

// xmlSpillBytes is the size above which excelize keeps a worksheet or the
// shared strings in a temp file instead of memory (a quarter of
// MaxUnzipBytes when that is lower). excelize parses shared strings it
// keeps in memory into about twelve times their XML size (a LibreOffice
// file with a 15 MB part peaked at 217 MiB at 100k rows under the 16 MiB
// this was); spilled ones cost a read from the temp file per cell (the
// same file: 53 MiB, but several times slower on a busy disk). 4 MiB
// keeps the in-memory case under ~60 MiB and the fast path for most files.
//
// A shared-strings part over the limit is not given to excelize at all:
// spilled, excelize still indexes it in memory at 40+ bytes a string (a
// 287 MB part peaked at 615 MiB). The reader keeps those strings itself
// (sstStore) and excelize reads a copy of the workbook without them.
const xmlSpillBytes = 4 << 20

// xlsxReader streams one worksheet with excelize's row iterator.
type xlsxReader struct {
	stream
	f     *excelize.File
	rows  *excelize.Rows
	sheet string
	line  int // the sheet row of the last Next
	scan  *sheetScan
	// sr reads the rows with the byte scanner; nil when excelize's row
	// iterator does (a part in another encoding than UTF-8).
	sr *sheetRows
	// formulas are the columns of the last row holding a formula with no
	// saved result.
	formulas []int
	// store holds the shared strings when excelize was given the workbook
	// without them; nil otherwise.
	store *sstStore
	fmts  *sstFormats
	// scratch holds the read's temporary files; removed by Close.
	scratch *scratch
	note    string // see SheetNote
	merges  []mergeRange
	notes   []string // see Notes
}

// errNoSheetScan says the reader could not find the sheet's part itself,
// which it must to read shared strings without excelize.
var errNoSheetScan = errors.New("sheet part not found")

func openXLSX(path string, opt Options) (Reader, error) {
	sc, err := newScratch()
	if err != nil {
		return nil, &Error{File: path, Err: fmt.Errorf("creating a temporary folder: %w", err)}
	}
	r, err := openXLSXIn(path, opt, sc)
	if err != nil {
		_ = sc.Close()
		return nil, err
	}
	r.scratch = sc
	return r, nil
}

// openXLSXIn opens the workbook, its temporary files in sc.
func openXLSXIn(path string, opt Options, sc *scratch) (*xlsxReader, error) {
	fail := func(err error) (*xlsxReader, error) { return nil, &Error{File: path, Err: err} }
	// excelize trusts the sizes the zip declares and ignores inflate,
	// checksum and XML errors (a damaged sheet would just end early), so
	// check the real bytes first: inflating is about 2% of the read time,
	// the XML check (BenchmarkXMLCheck) a few percent more.
	lateSST := int64(0)
	if !opt.excelizeRows && opt.sstAbove == 0 {
		lateSST = math.MaxInt64 // loaded (in memory or the store) before the first row
	}
	parts, err := verifyZip(path, opt.MaxUnzipBytes, opt.CheckWhileReading && !opt.excelizeRows, lateSST)
	if err != nil {
		return fail(err)
	}
	xopt := excelize.Options{
		UnzipSizeLimit:    opt.MaxUnzipBytes,
		UnzipXMLSizeLimit: min(xmlSpillBytes, opt.MaxUnzipBytes/4),
		TmpDir:            sc.dir,
	}
	over := xopt.UnzipXMLSizeLimit
	if opt.sstAbove != 0 {
		over = opt.sstAbove
	}
	storeAbove := int64(sstMemMax)
	if opt.sstAbove != 0 {
		storeAbove = opt.sstAbove
	}
	lean, err := openLean(path, xopt, over, storeAbove, max(opt.MaxCellBytes, opt.MaxRowBytes)+1, !opt.excelizeRows, parts.sstLate)
	if err != nil {
		return fail(err)
	}
	if f := lean.f; f != nil {
		r, err := newXLSXReader(path, f, opt, lean.store, lean.without, parts, sc.dir, lean.stubbed)
		if err == nil {
			return r, nil
		}
		_ = r.Close()
		if !errors.Is(err, errNoSheetScan) {
			return nil, err
		}
	}
	f, err := excelize.OpenFile(path, xopt)
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return fail(openError(err, opt.MaxUnzipBytes))
	}
	r, err := newXLSXReader(path, f, opt, nil, false, parts, sc.dir, false)
	if err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

// leanBook is a workbook excelize opened from a copy without its largest
// parts.
type leanBook struct {
	f       *excelize.File
	store   *sstStore // the shared strings, when without and over storeAbove
	without bool      // opened without the shared strings
	stubbed bool      // opened with its one worksheet empty
}

// openLean opens the workbook at path with excelize, from a copy without
// the parts the reader reads itself, when that saves excelize inflating
// them: the shared-strings part when over bytes (kept in a store of the
// reader's own when also over storeAbove, else held in memory by the
// scanner), and, when stub is set, the only worksheet when it is large
// (excelize would inflate it to a temp file, and reads nothing from it:
// with no other sheet there is nothing to survey). It returns a zero
// leanBook when neither applies. maxLen bounds a stored string.
func openLean(path string, xopt excelize.Options, over, storeAbove int64, maxLen int, stub, checkSST bool) (leanBook, error) {
	var lb leanBook
	zr, err := zip.OpenReader(path)
	if err != nil {
		return lb, ErrCorruptXLSX
	}
	defer zr.Close()
	part := sstPart(&zr.Reader)
	lb.without = part != nil && part.FileInfo().Size() > over
	var sheet *zip.File
	if stub {
		n := 0
		for _, zf := range zr.File {
			if isSheetPart(strings.ToLower(zf.Name)) {
				n++
				sheet = zf
			}
		}
		if n != 1 || sheet.FileInfo().Size() <= xopt.UnzipXMLSizeLimit || !utf8Part(sheet) {
			sheet = nil
		}
	}
	lb.stubbed = sheet != nil
	if !lb.without && !lb.stubbed {
		return leanBook{}, nil
	}
	cp, err := copyWithout(&zr.Reader, xopt.TmpDir, lb.without, sheet)
	if err != nil {
		return leanBook{}, fmt.Errorf("copying the workbook to a temp file: %w", err)
	}
	// excelize reads the zip's directory and small parts into memory and
	// spills big sheets to temp files of its own: the copy can go now.
	f, err := excelize.OpenFile(cp, xopt)
	_ = os.Remove(cp)
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return leanBook{}, openError(err, xopt.UnzipSizeLimit)
	}
	lb.f = f
	if !lb.without || part.FileInfo().Size() <= storeAbove {
		return lb, nil
	}
	if lb.store, err = buildSSTStore(part, f.CharsetReader, maxLen, xopt.TmpDir, checkSST); err != nil {
		_ = f.Close()
		return leanBook{}, err
	}
	return lb, nil
}

// newXLSXReader reads the workbook f; without says f was opened without
// its shared strings, which store then holds when it is set.
// stubbed says f has its one worksheet empty: only the byte scanner can
// read it (errNoSheetScan otherwise).
func newXLSXReader(path string, f *excelize.File, opt Options, store *sstStore, without bool, parts sheetParts, dir string, stubbed bool) (*xlsxReader, error) {
	r := &xlsxReader{f: f, store: store}
	r.fmts = &sstFormats{wb: f}
	r.stream = stream{t: table{file: path, opt: opt, label: xlsxLabel}, src: r.cells, formulas: r.lastFormulas}
	var err error
	if r.sheet, err = pickSheet(f, opt.Sheet); err != nil {
		return r, r.t.fail(0, err)
	}
	// Without its shared strings (a large part the reader keeps itself),
	// excelize would see other sheets' text as empty: no survey then.
	if opt.Sheet == "" && !without {
		var warnings []string
		r.sheet, warnings, r.notes, r.note = surveySheets(f, r.sheet, opt.Expect)
		r.t.warnings = append(r.t.warnings, warnings...)
	}
	r.t.sheet = r.sheet
	var part string
	if len(parts.damaged) > 0 || len(parts.merges) > 0 || parts.late != nil {
		part = sheetPartOf(path, r.sheet)
	}
	if d := parts.damaged[part]; d != nil {
		return r, r.t.fail(d.row, sheetDamage(r.sheet, d))
	}
	setMerges := func(merges map[string][]string) {
		if r.merges = parseMerges(merges[part]); len(r.merges) > 0 {
			r.stream.mergedAt = r.mergedAt
		}
	}
	setMerges(parts.merges)
	elapsed, err := normalizeStyles(f)
	if err != nil {
		return r, r.t.fail(0, fmt.Errorf("reading cell styles: %w", err))
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		r.fmts.date1904 = *props.Date1904
	}
	if !opt.excelizeRows {
		if r.sr, err = openScannedRows(path, r.sheet, store, r.fmts, elapsed, opt.CheckWhileReading, parts.sstLate); err != nil {
			return r, r.t.fail(0, err)
		}
	}
	if r.sr == nil && stubbed {
		return r, errNoSheetScan
	}
	if r.sr == nil && parts.sstLate {
		// excelize reads the shared strings: check them first after all.
		if err := checkSSTPart(path); err != nil {
			return r, r.t.fail(0, err)
		}
	}
	if parts.late != nil {
		// The merged ranges are needed from the first row on.
		res := parts.late()
		if res.err != nil {
			return r, &Error{File: path, Err: res.err}
		}
		setMerges(res.merges)
	}
	if r.sr != nil {
		return r, r.start(kindf(ErrEmpty, "sheet %q is empty", r.sheet),
			kindf(ErrNoDataRows, "sheet %q: no data rows after the header", r.sheet))
	}
	if without && store == nil {
		// The shared strings are in no store for excelize's way.
		if r.store, err = workbookStore(path, f, max(opt.MaxCellBytes, opt.MaxRowBytes)+1, dir); err != nil {
			return r, r.t.fail(0, err)
		}
		store = r.store
	}
	if r.scan = openSheetScan(path, r.sheet, elapsed, store != nil); r.scan == nil && store != nil {
		return r, errNoSheetScan
	}
	if r.rows, err = f.Rows(r.sheet); err != nil {
		return r, r.t.fail(0, fmt.Errorf("sheet %q: %w", r.sheet, err))
	}
	return r, r.start(kindf(ErrEmpty, "sheet %q is empty", r.sheet),
		kindf(ErrNoDataRows, "sheet %q: no data rows after the header", r.sheet))
}

// Sheet is the name of the sheet being read, so that an output mirroring
// the input can use it.
func (r *xlsxReader) Sheet() string { return r.sheet }

// Close releases the row iterator and the workbook, whose Close also
// removes excelize's temp files.
func (r *xlsxReader) Close() error {
	err := errors.Join(r.sr.Close(), r.scan.Close(), r.store.Close(), r.fmts.Close())
	r.sr, r.scan, r.store, r.fmts = nil, nil, nil, nil
	if r.rows != nil {
		err = errors.Join(err, r.rows.Close())
		r.rows = nil
	}
	if r.f != nil {
		err = errors.Join(err, r.f.Close())
		r.f = nil
	}
	err = errors.Join(err, r.scratch.Close())
	r.scratch = nil
	return err
}

// cells reads the next sheet row, empty ones included, and its number.
func (r *xlsxReader) cells() ([]string, int, error) {
	if r.sr != nil {
		row, err := r.sr.row()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		var d *xmlDamage
		switch {
		case errors.As(err, &d):
			return nil, 0, r.t.fail(d.row, sheetDamageFound(r.sheet, d))
		case errors.Is(err, errSheetUnreadable):
			return nil, 0, &Error{File: r.t.file, Err: ErrCorruptXLSX}
		case err != nil:
			return nil, 0, r.t.fail(r.line+1, fmt.Errorf("sheet %q: %w", r.sheet, err))
		}
		r.line, r.formulas = row.line, row.formulas
		return row.cells, row.line, nil
	}
	if !r.rows.Next() {
		if err := r.rows.Error(); err != nil {
			return nil, 0, r.t.fail(r.line+1, fmt.Errorf("sheet %q: %w", r.sheet, err))
		}
		// excelize also stops, without an error, at XML it cannot decode:
		// the part was checked at open, and here the scan, which reads
		// the bytes, says whether rows were left unread all the same.
		if n := r.scan.rowAfter(r.line); n > 0 {
			return nil, 0, r.t.fail(r.line, kindf(ErrCorruptXLSX,
				"sheet %q is damaged: its XML cannot be read past row %d, and row %d follows; open the file in a spreadsheet program and save it again, or export it again",
				r.sheet, r.line, n))
		}
		return nil, 0, io.EOF
	}
	// Next yields every row number, missing rows included, so counting
	// calls gives the sheet row.
	r.line++
	cells, err := r.rows.Columns() // once per row: a second call returns nothing
	if err != nil {
		return nil, 0, r.t.fail(r.line, fmt.Errorf("sheet %q: %w", r.sheet, err))
	}
	scanned := r.scan.cellsOf(r.line)
	if r.store != nil {
		// excelize left these cells out (it found no string for them).
		for _, sc := range scanned {
			if !sc.shared {
				continue
			}
			v, ok, err := r.store.get(sc.sst)
			if err != nil {
				return nil, 0, r.t.fail(r.line, err)
			}
			if !ok {
				continue // no such string: excelize shows no cell either
			}
			if v = r.fmts.apply(sc.style, v); v == "" {
				continue
			}
			for len(cells) <= sc.col {
				cells = append(cells, "")
			}
			cells[sc.col] = v
		}
	}
	for i, c := range cells {
		cells[i] = trimMidnight(c)
	}
	r.formulas = r.formulas[:0]
	for _, sc := range scanned {
		if sc.col >= len(cells) {
			continue
		}
		switch {
		case sc.formula:
			r.formulas = append(r.formulas, sc.col)
		case sc.raw != "":
			cells[sc.col] = fullDigits(cells[sc.col], sc.raw)
		case sc.elapsed:
			cells[sc.col] = undo1904(cells[sc.col])
		}
	}
	return cells, r.line, nil
}

func (r *xlsxReader) lastFormulas() []int { return r.formulas }

// EstimateRows scales the sheet rows read so far by the share of the
// worksheet part scanned (its uncompressed size is in the zip directory),
// less the rows above the first data row. The file's own size says little:
// it is compressed, ten to one or more.
func (r *xlsxReader) EstimateRows() int {
	line := r.line
	done, size := r.scan.position()
	if r.sr != nil {
		line, done, size = r.sr.position()
	}
	if done <= 0 || line <= 0 {
		return 0
	}
	rows := int64(float64(line) * float64(size) / float64(done))
	return int(max(0, rows-int64(r.HeaderRow())))
}

// fullDigits is shown, a number excelize rounded to 15 significant digits
// (4.11111111111111E+15 under General, 4111111111111110 under 0), as the
// integer the file stores (4111111111111111). Other values, and numbers
// shown with separators or decimals, stay as shown.
func fullDigits(shown, raw string) string {
	rounded := strings.ContainsAny(shown, "Ee")
	if !rounded {
		digits := strings.TrimPrefix(shown, "-")
		rounded = len(digits) >= 16 && strings.Trim(digits, "0123456789") == ""
	}
	if !rounded {
		return shown
	}
	raw = strings.TrimPrefix(strings.TrimSpace(raw), "+")
	if d := strings.TrimPrefix(raw, "-"); d != "" && strings.Trim(d, "0123456789") == "" {
		return raw
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1e21 {
		return shown
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// hours1904 is what excelize adds to a duration in a 1904 workbook: the
// 1,462 days between the two date systems' epochs.
const hours1904 = 1462 * 24

// undo1904 takes the 1904 epoch back out of an elapsed time shown as
// h:mm[:ss].
func undo1904(shown string) string {
	h, rest, ok := strings.Cut(shown, ":")
	neg := strings.HasPrefix(h, "-")
	n, err := strconv.Atoi(strings.TrimPrefix(h, "-"))
	if !ok || err != nil || neg || n < hours1904 {
		return shown
	}
	return strconv.Itoa(n-hours1904) + ":" + rest
}

// trimMidnight drops the time from a "yyyy-mm-dd 00:00" date-time: a date
// cell written with a date-time format (as excelize does for time.Time)
// has no time part to show.
func trimMidnight(s string) string {
	if len(s) == len("2006-01-02 00:00") && strings.HasSuffix(s, " 00:00") && s[4] == '-' && s[7] == '-' {
		return s[:10]
	}
	return s
}

// xlsxLabel names column i (0-based) by its letter.
func xlsxLabel(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return name
}

// pickSheet resolves Options.Sheet: a name (exact, then any case), else a
// 1-based index; "" is the first visible sheet.
func pickSheet(f *excelize.File, want string) (string, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", kindf(ErrNotTabular, "not a CSV or XLSX file (a zip archive with no worksheets)")
	}
	if want == "" {
		for _, s := range sheets {
			if visible, err := f.GetSheetVisible(s); err == nil && visible {
				return s, nil
			}
		}
		return sheets[0], nil
	}
	for _, s := range sheets {
		if s == want {
			return s, nil
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(s, want) {
			return s, nil
		}
	}
	if i, err := strconv.Atoi(want); err == nil && i >= 1 && i <= len(sheets) {
		return sheets[i-1], nil
	}
	quoted := make([]string, len(sheets))
	for i, s := range sheets {
		quoted[i] = strconv.Quote(s)
	}
	return "", fmt.Errorf("sheet %q not found; the workbook has %s", want, strings.Join(quoted, ", "))
}

// verifyZip inflates every part once, checking checksums and the real
// unzipped size against limit, and checks there is a workbook part. The
// XML parts the reader uses are checked to be well-formed (excelize stops
// at damage without a word): damage in one of the workbook's own parts is
// an error, damage in a worksheet is returned by part name, for the
// reader to refuse the sheet if it is the one read.
//
// lateSheets leaves the worksheets' XML to be checked as they are read
// (Options.CheckWhileReading): they are only inflated, for their
// checksums and merged ranges.
//
// lateSST, when not 0, leaves a shared-strings part of up to that size in
// UTF-8 unread (parts.sstLate): the reader checks it as it loads it, before
// the first row.
func verifyZip(path string, limit int64, lateSheets bool, lateSST int64) (parts sheetParts, err error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return parts, ErrCorruptXLSX
	}
	defer zr.Close()
	var total int64
	var lateParts []string
	defer func() {
		if err == nil && len(lateParts) > 0 {
			ch := lateMerges(path, lateParts)
			parts.late = sync.OnceValue(func() lateResult { return <-ch })
		}
	}()
	var late *zip.File
	if sst := sstPart(&zr.Reader); sst != nil && lateSST > 0 && sst.FileInfo().Size() <= lateSST && utf8Part(sst) {
		late, parts.sstLate = sst, true
	}
	workbook, xlsb, ods, numbers := false, false, false, false
	for _, zf := range zr.File {
		name := strings.ToLower(zf.Name)
		workbook = workbook || strings.HasSuffix(name, "workbook.xml")
		xlsb = xlsb || strings.HasSuffix(name, "workbook.bin")
		ods = ods || name == "content.xml"
		numbers = numbers || strings.HasSuffix(name, ".iwa")
		if zf == late {
			// The zip reader refuses more bytes than the size declared.
			if total += int64(zf.UncompressedSize64); total > limit {
				return parts, unzipLimitError(limit)
			}
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return parts, ErrCorruptXLSX
		}
		in := &countingReader{r: io.LimitReader(rc, limit-total+1)}
		var bad *xmlDamage
		var merges []string
		switch {
		case lateSheets && isSheetPart(name):
			// Inflated for their merged ranges and checksums beside the
			// rest of the open (lateMerges); the zip reader refuses more
			// bytes than the size declared.
			_ = rc.Close()
			if total += int64(zf.UncompressedSize64); total > limit {
				return parts, unzipLimitError(limit)
			}
			lateParts = append(lateParts, zf.Name)
			continue
		case checkedPart(name):
			bad, merges, err = checkXMLPartMerges(zf.Name, in)
		}
		if len(merges) > 0 && bad == nil {
			if parts.merges == nil {
				parts.merges = map[string][]string{}
			}
			parts.merges[zf.Name] = merges
		}
		if err == nil {
			// The rest (all of it, or what follows damage) is inflated
			// too: a checksum error says more than the damage it causes.
			_, err = io.Copy(io.Discard, in)
		}
		_ = rc.Close()
		if total += in.n; total > limit {
			return parts, unzipLimitError(limit)
		}
		if err != nil {
			return parts, ErrCorruptXLSX
		}
		if bad != nil {
			if strings.HasPrefix(name, "xl/worksheets/") {
				// Only the sheet read matters; it is known once excelize
				// has the workbook.
				if parts.damaged == nil {
					parts.damaged = map[string]*xmlDamage{}
				}
				parts.damaged[zf.Name] = bad
				continue
			}
			return parts, partDamage(bad)
		}
	}
	switch {
	case workbook:
		return parts, nil
	case xlsb:
		return parts, kindf(ErrNotTabular, "binary .xlsb workbooks are not supported; save as .xlsx or .csv")
	case ods:
		return parts, kindf(ErrNotTabular, "OpenDocument (.ods) spreadsheets are not supported; save as .xlsx or .csv")
	case numbers:
		return parts, kindf(ErrNotTabular, "Apple Numbers files are not supported; export as .xlsx or .csv (File > Export To)")
	}
	return parts, kindf(ErrNotTabular, "not a CSV or XLSX file (a zip archive without a workbook)")
}

// sheetParts is what verifyZip found in the worksheets, by part name.
type sheetParts struct {
	// late, when set, gives the worksheets' merged ranges once they are
	// inflated (Options.CheckWhileReading), or the error doing so.
	late    func() lateResult
	sstLate bool // the shared strings were left to be checked as loaded
	damaged map[string]*xmlDamage
	merges  map[string][]string // merged ranges ("B2:B4")
}

type lateResult struct {
	merges map[string][]string
	err    error
}

// lateMerges inflates the worksheets named, on a goroutine, for their
// merged ranges (findMerges) and their checksums.
func lateMerges(path string, names []string) <-chan lateResult {
	out := make(chan lateResult, 1)
	go func() {
		var res lateResult
		defer func() { out <- res }()
		zr, err := zip.OpenReader(path)
		if err != nil {
			res.err = ErrCorruptXLSX
			return
		}
		defer zr.Close()
		for _, zf := range zr.File {
			if !slices.Contains(names, zf.Name) {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				res.err = ErrCorruptXLSX
				return
			}
			merges, err := findMerges(rc)
			_ = rc.Close()
			if err != nil {
				res.err = ErrCorruptXLSX
				return
			}
			if len(merges) > 0 {
				if res.merges == nil {
					res.merges = map[string][]string{}
				}
				res.merges[zf.Name] = merges
			}
		}
	}()
	return out
}

// checkedPart reports a part (its lower-case name) that the reader or
// excelize decodes: the workbook's own parts and the worksheets. Others
// (document properties, themes, drawings) are never read.
func checkedPart(name string) bool {
	name = strings.ReplaceAll(name, `\`, "/")
	switch name {
	case "[content_types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedstrings.xml":
		return true
	}
	return isSheetPart(name)
}

// isSheetPart reports a worksheet part (its lower-case name, / or \).
func isSheetPart(name string) bool {
	name = strings.ReplaceAll(name, `\`, "/")
	return strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml") && !strings.Contains(name[len("xl/worksheets/"):], "/")
}

// partNames say in a user's words what the workbook's own parts hold.
var partNames = map[string]string{
	"[content_types].xml":        "the list of the workbook's parts",
	"xl/workbook.xml":            "the list of sheets",
	"xl/_rels/workbook.xml.rels": "the links to the sheets",
	"xl/styles.xml":              "the cell formats",
	"xl/sharedstrings.xml":       "the text of the cells",
}

// partDamage explains damage in one of the workbook's own parts.
func partDamage(d *xmlDamage) error {
	what := d.part
	if n, ok := partNames[strings.ToLower(d.part)]; ok {
		what += " (" + n + ")"
	}
	return kindf(ErrCorruptXLSX, "the workbook is damaged: %s in its part %s, line %d; nothing was read: open it in a spreadsheet program and save it again, or export it again", d.what, what, d.line)
}

// sheetDamage explains damage in the worksheet part of sheet.
func sheetDamage(sheet string, d *xmlDamage) error {
	return sheetDamageAs(sheet, d, ", so none was")
}

// sheetDamageFound explains damage found while reading the sheet
// (Options.CheckWhileReading): the rows before it were given.
func sheetDamageFound(sheet string, d *xmlDamage) error {
	return sheetDamageAs(sheet, d, "")
}

func sheetDamageAs(sheet string, d *xmlDamage, none string) error {
	where := fmt.Sprintf("after row %d", d.row)
	if d.row == 0 {
		where = "before its first row"
	}
	return kindf(ErrCorruptXLSX, "sheet %q is damaged: %s in its XML (%s, %s, line %d); the rows from there on cannot be read%s: open the file in a spreadsheet program and save it again, or export it again", sheet, d.what, where, d.part, d.line, none)
}

func unzipLimitError(limit int64) error {
	return kindf(ErrLimit, "the workbook unzips to more than %d bytes (MaxUnzipBytes); it may be a zip bomb", limit)
}

// openError explains an excelize.OpenFile failure.
func openError(err error, limit int64) error {
	switch {
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrAlgorithm),
		errors.Is(err, io.ErrUnexpectedEOF):
		return ErrCorruptXLSX
	case strings.Contains(err.Error(), "unzip size exceeds"):
		return unzipLimitError(limit)
	}
	return fmt.Errorf("not a valid XLSX file: %w", err)
}
