// Package reports is the output end of stage 4 (reconcile): it writes what
// the pipeline decided about each roster row.
//
//   - NewValidation: the validate report, one line per failing field.
//   - NewResults: the run's results sheet, one line per roster row.
//   - NewFailedOut: the rows still to fix, in the roster's own shape, to run again.
//   - WriteTemplate: a blank roster for a vendor.
//
// The first three implement batch.Sink: they receive outcomes in roster order
// from one goroutine and stream them (XLSX through excelize's StreamWriter,
// CSV lines encoded as encoding/csv writes them), so memory does not grow with the
// number of rows. The format is chosen from the file extension.
//
// Every writer masks, again, the cells of columns whose header names a
// password or a secret, and CSV reports neutralize cells that a spreadsheet
// would run as a formula. XLSX cells are written as inline strings, which
// spreadsheets never evaluate.
package reports
