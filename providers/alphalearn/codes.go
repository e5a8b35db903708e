package alphalearn

// vendorCode is one row of the doc's error table.
type vendorCode struct {
	Code    string
	Field   string // schema spelling
	Missing bool   // a "Missing X" code (else "Invalid X")
	Message string // verbatim from the doc
}

// Codes with a special meaning.
const (
	codeDuplicate = "1023"
	codeAmbiguous = "1055" // the doc uses it for both Invalid companyName and Missing zipCode
)

// codes is the doc's table, in its order. city/state/country share
// 1016/1017; the rows name city and the simulator maps the other two.
var codes = []vendorCode{
	{"1007", "firstName", true, "Missing firstName"},
	{"1008", "firstName", false, "Invalid firstName"},
	{"1009", "lastName", true, "Missing lastName"},
	{"1010", "lastName", false, "Invalid lastName"},
	{"1015", "mobile", false, "Invalid mobile"},
	{"1016", "city", true, "Missing city/state/country"},
	{"1017", "city", false, "Invalid city/state/country"},
	{"1018", "password", true, "Missing password"},
	{"1019", "password", false, "Password does not meet the requirements! It must be alphanumeric and atleast 8 characters long"},
	{"1020", "email", true, "Missing email"},
	{"1021", "email", false, "Invalid email"},
	{"1022", "mobile", true, "Missing mobile"},
	{"1023", "email", false, "Email address provided already exist. Please provide another email address"},
	{"1024", "title", false, "Invalid title. It should be Mr, Mrs, Ms, Dr, Prof"},
	{"1028", "sendEmailNotification", true, "Missing sendEmailNotification"},
	{"1029", "sendEmailNotification", false, "Invalid sendEmailNotification"},
	{"1036", "countryCode", true, "Missing countryCode"},
	{"1037", "countryCode", false, "Invalid countryCode"},
	{"1038", "timezone", true, "Missing timezone"},
	{"1039", "timezone", false, "Invalid timezone"},
	{"1040", "language", true, "Missing language"},
	{"1041", "language", false, "Invalid language"},
	{"1044", "userCanChoosePassword", true, "Missing userCanChoosePassword"},
	{"1045", "userCanChoosePassword", false, "Invalid userCanChoosePassword"},
	{"1046", "uniqueId", true, "Missing uniqueId"},
	{"1047", "uniqueId", false, "Invalid uniqueId"},
	{"1048", "roleId", true, "Missing roleId"},
	{"1049", "roleId", false, "Invalid roleId"},
	{"1052", "reportingTo", true, "Missing reportingTo"},
	{"1053", "reportingTo", false, "Invalid reportingTo"},
	{"1054", "companyName", true, "Missing companyName"},
	{"1055", "companyName", false, "Invalid companyName"},
	{"1055", "zipcode", true, "Missing zipCode"},
	{"1056", "zipcode", false, "Invalid zipCode"},
}

// byCode returns the table's first row with code.
func byCode(code string) (vendorCode, bool) {
	for _, c := range codes {
		if c.Code == code {
			return c, true
		}
	}
	return vendorCode{}, false
}

// codeFor returns the documented code for a problem with field: missing or
// invalid. title has no "Missing" code, so 1024 serves for both.
func codeFor(field string, missing bool) (vendorCode, bool) {
	switch field {
	case "state", "country":
		field = "city"
	case "title":
		missing = false
	}
	for _, c := range codes {
		if c.Field == field && c.Missing == missing {
			return c, true
		}
	}
	return vendorCode{}, false
}
