package schema

import (
	"strings"
	"unicode"
)

// Mask replaces a secret cell's value in every output. A secret cell that
// holds it in a roster is refused: it is what onboard wrote, not a password.
const Mask = "********"

// OwnPrefix starts the names of onboard's own columns (onboard_row and
// onboard_error in a fix file). A roster column named so is never mapped,
// sent, collected into the Extra field or warned about, so a fix file runs
// again as it is.
const OwnPrefix = "onboard_"

// Own column names written into fix files.
const (
	OwnRowColumn   = OwnPrefix + "row"   // the row in the original file
	OwnErrorColumn = OwnPrefix + "error" // what is wrong with the row
)

// IsOwnColumn reports whether header h names one of onboard's own columns.
func IsOwnColumn(h string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(h)), OwnPrefix)
}

// secretWords name a value that is a secret itself.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "passcode": true, "passphrase": true,
	"secret": true, "passwort": true, "kennwort": true, "wachtwoord": true, "contrasena": true,
	"contraseña": true, "senha": true, "motdepasse": true,
}

// aboutWords make a header about a secret rather than holding one: "User
// Can Choose Password" is a 0/1 flag, "Password Expires" a date.
var aboutWords = map[string]bool{
	"can": true, "choose": true, "change": true, "changed": true, "reset": true, "must": true,
	"expire": true, "expires": true, "expired": true, "expiry": true, "expiration": true,
	"never": true, "policy": true, "length": true, "hint": true, "strength": true, "last": true,
	"date": true, "force": true, "allow": true, "allowed": true, "enable": true, "enabled": true,
	"disable": true, "disabled": true, "send": true, "link": true, "mode": true, "type": true,
	"rule": true, "rules": true, "age": true, "count": true, "attempts": true, "flag": true,
	"is": true, "has": true, "needs": true, "question": true,
}

// SecretHeader reports whether a roster header names a column that holds
// a secret ("Password", "Initial password [passwordProfile] Required",
// "client_secret", "Mot de passe"), as opposed to one about a secret ("User
// Can Choose Password", "Password Expires") or one that merely contains
// the letters ("passport").
func SecretHeader(h string) bool {
	words := headerWords(h)
	secret := secretWords[NormalizeHeader(h)] // "Pass-Word"

	for i, w := range words {
		if aboutWords[w] {
			return false
		}
		if secretWords[w] || i+2 < len(words) && w == "mot" && words[i+1] == "de" && words[i+2] == "passe" {
			secret = true
		}
	}
	return secret
}

// headerWords splits h into lower-case words at anything that is not a
// letter or digit and at camelCase humps ("userPassword" → user, password).
func headerWords(h string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(h)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && len(cur) > 0 && (unicode.IsLower(cur[len(cur)-1]) ||
			i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(cur[len(cur)-1])):
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return words
}
