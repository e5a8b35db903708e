package alphalearn

import (
	"encoding/json"
	"strconv"
	"strings"
)

// envelope is the shape of every answer.
type envelope struct {
	Success bool `json:"success"`
	Data    struct {
		Response struct {
			Acknowledgement string          `json:"acknowledgement"`
			Data            json.RawMessage `json:"data"`
			Error           envelopeError   `json:"error"`
		} `json:"response"`
	} `json:"data"`
}

type envelopeError struct {
	Code            flexString `json:"code"`
	InternalMessage string     `json:"internal_message"`
	MoreInfo        []any      `json:"moreInfo"`
}

// flexString takes a JSON string or number ("1023" or 1023, "126" or 126)
// as a string; anything else is "".
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		*f = flexString(strings.TrimSpace(x))
	case float64:
		*f = flexString(strconv.FormatFloat(x, 'f', -1, 64))
	default:
		*f = ""
	}
	return nil
}

// createdData is data.response.data of a successful create.
type createdData struct {
	UserID flexString `json:"userId"`
}

// listData is data.response.data of user-list.
type listData struct {
	UserList     []listedUser `json:"userList"`
	TotalRecords int          `json:"totalRecords"`
}

type listedUser struct {
	UserID      flexString `json:"userId"`
	FirstName   string     `json:"firstName"`
	LastName    string     `json:"lastName"`
	Email       string     `json:"email"`
	CountryCode string     `json:"countryCode"`
	Mobile      string     `json:"mobile"`
	UniqueID    string     `json:"uniqueId"`
	Role        string     `json:"role"`
}

// decode reads an answer's envelope; nil when the body is not one.
func decode(b []byte) *envelope {
	var env envelope
	if json.Unmarshal(b, &env) != nil {
		return nil
	}
	return &env
}
