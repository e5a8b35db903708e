package ispring

// ID is the provider id (the -p value).
const ID = "ispring"

// DefaultBaseURL is the REST API host from the OpenAPI servers entry. EU
// accounts use https://api-learn.ispringlearn.eu; existing customers may
// still use https://api-learn.ispringlearn.com.
const DefaultBaseURL = "https://api-learn.ispring.com"

// Credential environment variables: a ready token, or an API key (client ID
// and secret) that the client exchanges for tokens itself.
const (
	EnvToken        = "ONBOARD_TOKEN"
	EnvClientID     = "ONBOARD_CLIENT_ID"
	EnvClientSecret = "ONBOARD_CLIENT_SECRET"
)

func init() {
	protoNew, protoSim = New, NewSimulator
	vendor.RegisterBuiltin(NewSimulator) // the hand-written one is the reference
}
