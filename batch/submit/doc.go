// Package submit is stage 3 of the pipeline: a rate-limited worker pool that
// sends each valid row to the vendor's create endpoint.
//
// Rate and concurrency are separate knobs. One token bucket, shared by every
// worker, caps create (and lookup) requests per second; the worker count only
// bounds how many requests are in flight. A 429 that says the vendor is
// limiting us (it carries a Retry-After, or 429s are a good share of the
// recent answers) sets the shared rate just under what the vendor accepted
// over the last second, from where it climbs slowly (pace.go); occasional
// 429s are retried and change nothing. A Retry-After holds every worker,
// not only the one that got it.
//
// Creates are not idempotent at any vendor, so a request whose answer was
// lost is never repeated blindly: the pool looks the person up first when the
// client can (providers.Finder), and otherwise reads a later "already
// exists" as its own earlier create having landed.
//
// Run has two ways to stop early. Cancelling its context is the soft stop:
// nothing new is sent, requests in flight finish, and unsent rows come back
// Interrupted. A fatal answer (bad credentials, no licences left) stops the
// pool the same way and is returned.
package submit
