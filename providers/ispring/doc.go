// Package ispring is the iSpring Learn vendor: the schema of the add-user
// call (doc 001, the SOAP method addUser), a client for its REST twin
// POST /user, the mapping of its answers to normalized codes and a faithful
// simulator.
//
// The doc describes SOAP addUser; the client speaks the REST API described
// in vendor-specs/ispring-learn-rest-openapi3.yaml, which takes the same
// parameters: profile fields (login, email, first_name, ...) go inside a
// "fields" object, the doc's "groups" is sent as "groupIds", and roles use
// the REST spelling (learner, administrator, ...). Credentials are a bearer
// token, given directly or exchanged from a client ID and secret at
// POST /api/v3/token (tokens live 30 minutes and are renewed before they run
// out).
package ispring
