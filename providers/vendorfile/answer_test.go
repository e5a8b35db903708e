package vendorfile_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/schema"
)

// TestCreateSuccessIsDone: under a success status the vendor said done,
// so a create answer is never an error the pool answers with another
// create. One whole JSON object is read: without an ID (or with one
// id_pattern refuses) it is created, the ID unknown; a body condition it
// answers otherwise is the vendor's refusal, read through the error
// table; one it does not answer (absent, null, another kind of value),
// like anything that is no object (empty, HTML, cut short, null, a
// list), is ErrUnreadable with the status, settled by the lookup. A
// bare-ID answer (created_id "") without an ID is unreadable.
func TestCreateSuccessIsDone(t *testing.T) {
	small := string(mustRead(t, "testdata/small.yaml"))
	files := map[string]string{
		"plain": strings.Replace(small, "  created_id: /id\n", "  created_id: /id\n  id_pattern: '^u[0-9]+$'\n  extra_ids: {org: /org}\n", 1),
		"body conditions": strings.Replace(small, "success: {status: 201}",
			`success: {status: 2xx, body_equals: {/ok: true, /error/code: ""}}`, 1),
		"bare id": strings.Replace(small, "created_id: /id", `created_id: ""`, 1),
	}
	const (
		created    = "created"
		unreadable = "unreadable"
		refused    = "refused"
	)
	tests := []struct {
		file, body string
		status     int
		want       string
		id, org    string
	}{
		{file: "plain", body: `{"id":"u7","org":"o1"}`, want: created, id: "u7", org: "o1"},
		{file: "plain", body: `{"email":"ann@example.org","org":"o1"}`, want: created, org: "o1"},
		{file: "plain", body: `{"id":"7"}`, want: created},  // id_pattern refuses: none
		{file: "plain", body: `{"id":null}`, want: created}, // a readable object all the same
		{file: "plain", body: ``, want: unreadable},         // empty
		{file: "plain", body: `<html><body>Saved.</body></html>`, want: unreadable},
		{file: "plain", body: `{"id":"u7"`, want: unreadable}, // cut short
		{file: "plain", body: `{"id":"u7"} trailing`, want: unreadable},
		{file: "plain", body: `null`, want: unreadable},
		{file: "plain", body: `[{"id":"u7"}]`, want: unreadable}, // not the vendor's shape
		{file: "plain", body: `"u7"`, want: unreadable},

		{file: "body conditions", status: 200, body: `{"ok":true,"id":"u8","error":{"code":""}}`, want: created, id: "u8"},
		{file: "body conditions", status: 200, body: `{"ok":true,"id":"u8"}`, want: created, id: "u8"}, // an absent code reads as ""
		{file: "body conditions", status: 200, body: `{"ok":true}`, want: created},
		{file: "body conditions", status: 200, body: `{"ok":false,"message":"no"}`, want: refused},
		{file: "body conditions", status: 200, body: `{"ok":true,"error":{"code":"E_ROLE"},"message":"bad role"}`, want: refused},
		{file: "body conditions", status: 200, body: `{"ok":true,"error":{"code":17}}`, want: refused}, // a numeric code is a code
		{file: "body conditions", status: 200, body: `{}`, want: unreadable},
		{file: "body conditions", status: 200, body: `{"ok":null}`, want: unreadable},
		{file: "body conditions", status: 200, body: `{"ok":"yes"}`, want: unreadable},
		{file: "body conditions", status: 200, body: `{"ok":true,"error":{"code":[]}}`, want: unreadable},
		{file: "body conditions", status: 200, body: `<html>OK</html>`, want: unreadable},

		{file: "bare id", body: `"u9"`, want: created, id: "u9"},
		{file: "bare id", body: `42`, want: created, id: "42"},
		{file: "bare id", body: ``, want: unreadable},
		{file: "bare id", body: `null`, want: unreadable},
		{file: "bare id", body: `{"id":"u9"}`, want: unreadable},
		{file: "bare id", body: `42 and more`, want: unreadable},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.body, func(t *testing.T) {
			v, err := vendorfile.Parse("small.yaml", []byte(files[tt.file]))
			require.NoError(t, err)
			status := tt.status
			if status == 0 {
				status = 201
			}
			rr := providertest.NewRecorder(t, providertest.Answer{Status: status, Body: tt.body})
			c, err := v.Registration().New(providertest.Config(rr.URL, map[string]string{"ACME_TOKEN": "tok"}))
			require.NoError(t, err)
			got, err := c.Create(providertest.Context(t), schema.Record{"email": "ann@example.org", "firstName": "Ann"})
			switch tt.want {
			case created:
				require.NoError(t, err)
				assert.Equal(t, tt.id, got.ID)
				assert.Equal(t, tt.org, got.Extra["org"])
			case unreadable:
				pe := providertest.VendorError(t, err, providers.VendorError)
				assert.Equal(t, status, pe.Status)
				assert.ErrorIs(t, err, providers.ErrUnreadable, "the pool reads it as done: never created again")
				assert.True(t, pe.Sent, "the person may exist: look them up")
				assert.Contains(t, pe.Message, "without")
			case refused:
				require.Error(t, err)
				assert.NotErrorIs(t, err, providers.ErrUnreadable, "a readable refusal, not an unread success")
				pe := providers.AsError(providertest.Context(t), err)
				assert.Equal(t, providers.VendorRejected, pe.Code)
				assert.False(t, pe.Sent)
			}
		})
	}
}
