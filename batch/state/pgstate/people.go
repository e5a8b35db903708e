package pgstate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/onboard/onboard/batch/state"
)

const personCols = `p.key, p.status, p.vendor_id, p.first_seen, p.last_seen, p.created_run, p.updated_run,
	p.identity, p.digest, p.digest_run, p.seen_run`

func scanPerson(rows pgx.Rows, p *state.Person, extra ...any) error {
	var created, updated, digestRun, seenRun *int64
	var digest string
	dest := append([]any{&p.Key, &p.Status, &p.VendorID, &p.FirstSeen, &p.LastSeen, &created, &updated,
		&p.Identity, &digest, &digestRun, &seenRun}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	deref := func(v *int64) int64 {
		if v == nil {
			return 0
		}
		return *v
	}
	p.CreatedRun, p.UpdatedRun, p.DigestRun, p.SeenRun = deref(created), deref(updated), deref(digestRun), deref(seenRun)
	p.FirstSeen, p.LastSeen = p.FirstSeen.UTC(), p.LastSeen.UTC()
	var err error
	if p.Digests, err = state.DecodeDigests(digest); err != nil {
		return fmt.Errorf("key %s: digest: %w", p.Key, err)
	}
	return nil
}

func eachPerson(rows pgx.Rows, err error, fn func(state.Person), extra ...any) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p state.Person
		if err := scanPerson(rows, &p, extra...); err != nil {
			return err
		}
		fn(p)
	}
	return rows.Err()
}

// Get returns what the store knows about keys in sc, in one query.
func (s *Store) Get(sc state.Scope, keys []string) (map[string]state.Person, error) {
	out := make(map[string]state.Person, len(keys))
	sid, found, err := s.scopeID(s.ctx, sc, false)
	if err != nil || !found || len(keys) == 0 {
		return out, err
	}
	n := sc.Normalized()
	err = s.retry(s.ctx, func() error {
		rows, err := s.pool.Query(s.ctx, `SELECT `+personCols+` FROM onboard_people p
			WHERE p.scope_id = $1 AND p.key = ANY($2)`, sid, keys)
		return eachPerson(rows, err, func(p state.Person) {
			if s.opt.ForgetMaybeSent && p.Status == state.StatusInFlight {
				return // the negative control: no mark was ever made
			}
			p.Provider, p.BaseURL, p.Tenant = n.Provider, n.BaseURL, n.Tenant
			out[p.Key] = p
		})
	})
	if err != nil {
		return nil, fmt.Errorf("state: get %d keys: %w", len(keys), err)
	}
	return out, nil
}

// ByIdentity returns, per identity, the person created or in flight for it
// in sc (the earliest created when several keys hold it).
func (s *Store) ByIdentity(sc state.Scope, identities []string) (map[string]state.Person, error) {
	out := map[string]state.Person{}
	identities = slices.DeleteFunc(slices.Clone(identities), func(id string) bool { return id == "" })
	sid, found, err := s.scopeID(s.ctx, sc, false)
	if err != nil || !found || len(identities) == 0 {
		return out, err
	}
	err = s.retry(s.ctx, func() error {
		clear(out)
		rows, err := s.pool.Query(s.ctx, `SELECT `+personCols+` FROM onboard_people p
			WHERE p.scope_id = $1 AND p.identity = ANY($2) AND p.status IN ('created', 'in_flight')
			ORDER BY p.status = 'created' DESC, p.created_run NULLS FIRST, p.key`, sid, identities)
		return eachPerson(rows, err, func(p state.Person) {
			if _, dup := out[p.Identity]; !dup {
				out[p.Identity] = p
			}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("state: get %d identities: %w", len(identities), err)
	}
	return out, nil
}

// Seen stamps the sighted people known to the store as seen by runID.
func (s *Store) Seen(sc state.Scope, runID int64, seen []state.Sighting) error {
	if err := s.writable(); err != nil {
		return err
	}
	if len(seen) == 0 {
		return nil
	}
	sid, _, err := s.scopeID(s.ctx, sc, true)
	if err != nil {
		return err
	}
	keys, ids, digs := make([]string, len(seen)), make([]string, len(seen)), make([]string, len(seen))
	for i, p := range seen {
		keys[i], ids[i], digs[i] = p.Key, p.Identity, state.EncodeDigests(p.Digests)
	}
	_, err = s.exec(s.ctx, `UPDATE onboard_people p SET last_seen = $3, seen_run = $4, missing_run = NULL,
			identity = CASE WHEN p.identity = '' AND p.status = 'created' AND v.i <> '' THEN v.i ELSE p.identity END,
			digest = CASE WHEN p.digest = '' AND v.d <> '' THEN v.d ELSE p.digest END,
			digest_run = CASE WHEN p.digest = '' AND v.d <> '' THEN $4 ELSE p.digest_run END
		FROM unnest($2::text[], $5::text[], $6::text[]) AS v(k, i, d)
		WHERE p.scope_id = $1 AND p.key = v.k`, sid, keys, s.opt.Now(), runID, ids, digs)
	if err != nil {
		return fmt.Errorf("state: mark %d people seen (run %d): %w", len(seen), runID, err)
	}
	return nil
}

// heldPause is what Claim suggests waiting before asking again for people
// another run holds.
const heldPause = 250 * time.Millisecond

// Claim claims the keys for runID: a key is taken when nobody has it, it
// failed, or it is in flight under a claim that lapsed (its run died) or
// already this run's. A created key, or one another live run holds, is
// Held. In one transaction: the rows another claim is writing right now
// are skipped (FOR UPDATE SKIP LOCKED), never waited for.
func (s *Store) Claim(sc state.Scope, runID int64, marks []state.Mark) (state.Claims, error) {
	var c state.Claims
	if err := s.writable(); err != nil {
		return c, err
	}
	if len(marks) == 0 {
		return c, nil
	}
	if slices.ContainsFunc(marks, func(m state.Mark) bool { return m.Key == "" }) {
		return c, fmt.Errorf("state: claim (run %d): empty key", runID)
	}
	sid, _, err := s.scopeID(s.ctx, sc, true)
	if err != nil {
		return c, err
	}
	// In key order: two runs inserting the same new people in their own
	// orders (one file read in reverse) each waited on the other's
	// uncommitted rows, and PostgreSQL aborted one ("deadlock detected").
	marks = slices.SortedFunc(slices.Values(marks), func(a, b state.Mark) int { return strings.Compare(a.Key, b.Key) })
	keys, ids := make([]string, len(marks)), make([]string, len(marks))
	for i, m := range marks {
		keys[i], ids[i] = m.Key, m.Identity
	}
	took := map[string]int64{}
	taken := 0
	err = s.tx(s.ctx, func(tx pgx.Tx) error {
		took = map[string]int64{}
		taken = 0
		c = state.Claims{}
		// Rows another transaction holds locked are being claimed or
		// recorded by another run right now: held, not waited for.
		var busy []string
		err := tx.QueryRow(s.ctx, `WITH mine AS (
				SELECT key FROM onboard_people WHERE scope_id = $1 AND key = ANY($2) FOR UPDATE SKIP LOCKED)
			SELECT coalesce(array_agg(p.key), '{}') FROM onboard_people p
			WHERE p.scope_id = $1 AND p.key = ANY($2) AND p.key NOT IN (SELECT key FROM mine)`, sid, keys).Scan(&busy)
		if err != nil {
			return err
		}
		rows, err := tx.Query(s.ctx, `INSERT INTO onboard_people AS p (scope_id, key, status, first_seen, last_seen,
				updated_run, identity, seen_run, claim_run, fence, lease_until)
			SELECT $1, v.k, 'in_flight', $4, $4, $5, v.i, $5, $5, nextval('onboard_fence'), clock_timestamp() + $6::interval
			FROM unnest($2::text[], $3::text[]) AS v(k, i) WHERE v.k <> ALL($7::text[])
			ON CONFLICT (scope_id, key) DO UPDATE SET
				prev_status = CASE WHEN p.status = 'in_flight' AND p.claim_run = excluded.claim_run
					THEN p.prev_status ELSE p.status END,
				status = 'in_flight', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
				identity = CASE WHEN excluded.identity <> '' THEN excluded.identity ELSE p.identity END,
				seen_run = excluded.seen_run, missing_run = NULL, claim_run = excluded.claim_run,
				fence = excluded.fence, lease_until = excluded.lease_until
			WHERE p.status <> 'created' AND (p.status <> 'in_flight' OR p.claim_run IS NULL
				OR p.claim_run = excluded.claim_run OR p.lease_until IS NULL OR p.lease_until < clock_timestamp())
			RETURNING p.key, p.fence, p.prev_status = 'in_flight'`,
			sid, keys, ids, s.opt.Now(), runID, s.opt.Lease.String(), busy)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var fence int64
			var maybe bool
			if err := rows.Scan(&k, &fence, &maybe); err != nil {
				return err
			}
			took[k] = fence
			if maybe {
				taken++
			}
			if maybe && !s.opt.ForgetMaybeSent {
				c.MaybeSent = append(c.MaybeSent, k)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return state.Claims{}, fmt.Errorf("state: claim %d keys (run %d): %w", len(marks), runID, err)
	}
	s.mu.Lock()
	s.runs[runID] = true
	for k, f := range took {
		s.fences[claimKey{sid, k}] = f
	}
	s.mu.Unlock()
	if taken > 0 && s.opt.Takeover != nil {
		s.opt.Takeover(sc, taken)
	}
	for _, k := range keys {
		if _, ok := took[k]; !ok {
			c.Held = append(c.Held, k)
		}
	}
	if len(c.Held) > 0 {
		c.HeldFor = heldPause
	}
	return c, nil
}

// Record stores a batch of outcomes for runID in one transaction. A key
// this store claimed is written only while the claim is still its own (the
// fence); a key another live run holds is never written.
func (s *Store) Record(sc state.Scope, runID int64, outs []state.Outcome) error {
	if err := s.writable(); err != nil {
		return err
	}
	for _, o := range outs {
		if o.Key == "" {
			return fmt.Errorf("state: record (run %d): empty key", runID)
		}
		if o.Status != state.StatusCreated && o.Status != state.StatusFailed && o.Status != "" {
			return fmt.Errorf("state: record (run %d): key %s: status %q is not %q, %q or \"\"",
				runID, o.Key, o.Status, state.StatusCreated, state.StatusFailed)
		}
	}
	if len(outs) == 0 {
		return nil
	}
	sid, _, err := s.scopeID(s.ctx, sc, true)
	if err != nil {
		return err
	}
	type cols struct {
		keys, ids, vids, digs []string
		fences                []int64
	}
	by := map[string]*cols{}
	s.mu.Lock()
	for _, o := range outs {
		c := by[o.Status]
		if c == nil {
			c = &cols{}
			by[o.Status] = c
		}
		c.keys = append(c.keys, o.Key)
		c.vids = append(c.vids, o.VendorID)
		c.ids = append(c.ids, o.Identity)
		c.digs = append(c.digs, state.EncodeDigests(o.DigestMap()))
		c.fences = append(c.fences, s.fences[claimKey{sid, o.Key}])
	}
	s.mu.Unlock()
	now := s.opt.Now()
	// fenceOK: the row is this claim's (same token), or nobody's claim is
	// live on it.
	const fenceOK = `CASE WHEN v.f <> 0 THEN p.fence = v.f
		ELSE p.claim_run IS NULL OR p.status <> 'in_flight' OR p.lease_until < clock_timestamp() END`
	refused := 0
	err = s.tx(s.ctx, func(tx pgx.Tx) error {
		refused = 0
		if c := by[state.StatusCreated]; c != nil {
			tag, err := tx.Exec(s.ctx, `UPDATE onboard_people p SET
					vendor_id = CASE WHEN v.id <> '' THEN v.id ELSE p.vendor_id END,
					created_run = CASE WHEN p.status = 'created' THEN p.created_run ELSE $4 END,
					status = 'created', prev_status = '', last_seen = $3, updated_run = $4,
					identity = CASE WHEN v.i <> '' THEN v.i ELSE p.identity END,
					digest = CASE WHEN v.d <> '' THEN v.d ELSE p.digest END,
					digest_run = CASE WHEN v.d <> '' THEN $4 ELSE p.digest_run END,
					seen_run = $4, missing_run = NULL, claim_run = NULL, lease_until = NULL
				FROM unnest($2::text[], $5::text[], $6::text[], $7::text[], $8::bigint[]) AS v(k, id, i, d, f)
				WHERE p.scope_id = $1 AND p.key = v.k AND `+fenceOK,
				sid, c.keys, now, runID, c.vids, c.ids, c.digs, c.fences)
			if err != nil {
				return fmt.Errorf("created: %w", err)
			}
			ins, err := tx.Exec(s.ctx, `INSERT INTO onboard_people (scope_id, key, status, vendor_id, first_seen,
					last_seen, created_run, updated_run, identity, digest, digest_run, seen_run)
				SELECT $1, v.k, 'created', v.id, $3, $3, $4, $4, v.i, v.d, CASE WHEN v.d <> '' THEN $4::bigint END, $4
				FROM unnest($2::text[], $5::text[], $6::text[], $7::text[]) AS v(k, id, i, d)
				ON CONFLICT (scope_id, key) DO NOTHING`,
				sid, c.keys, now, runID, c.vids, c.ids, c.digs)
			if err != nil {
				return fmt.Errorf("created: %w", err)
			}
			refused += len(c.keys) - int(tag.RowsAffected()+ins.RowsAffected())
		}
		if c := by[state.StatusFailed]; c != nil {
			if _, err := tx.Exec(s.ctx, `UPDATE onboard_people p SET status = 'failed', last_seen = $3, updated_run = $4,
					seen_run = $4, claim_run = NULL, lease_until = NULL
				FROM unnest($2::text[], $5::bigint[]) AS v(k, f)
				WHERE p.scope_id = $1 AND p.key = v.k AND p.status <> 'created' AND `+fenceOK,
				sid, c.keys, now, runID, c.fences); err != nil {
				return fmt.Errorf("failed: %w", err)
			}
			// A failed key never marked (a caller's own record) is new.
			if _, err := tx.Exec(s.ctx, `INSERT INTO onboard_people (scope_id, key, status, first_seen, last_seen, updated_run, seen_run)
				SELECT $1, k, 'failed', $3, $3, $4, $4 FROM unnest($2::text[]) AS k
				ON CONFLICT (scope_id, key) DO NOTHING`, sid, c.keys, now, runID); err != nil {
				return fmt.Errorf("failed: %w", err)
			}
		}
		if c := by[""]; c != nil {
			if _, err := tx.Exec(s.ctx, `DELETE FROM onboard_people p USING unnest($2::text[], $3::bigint[]) AS v(k, f)
				WHERE p.scope_id = $1 AND p.key = v.k AND p.status = 'in_flight' AND p.prev_status = '' AND `+fenceOK,
				sid, c.keys, c.fences); err != nil {
				return fmt.Errorf("not sent: %w", err)
			}
			if _, err := tx.Exec(s.ctx, `UPDATE onboard_people p SET status = p.prev_status, claim_run = NULL, lease_until = NULL
				FROM unnest($2::text[], $3::bigint[]) AS v(k, f)
				WHERE p.scope_id = $1 AND p.key = v.k AND p.status = 'in_flight' AND p.prev_status <> '' AND `+fenceOK,
				sid, c.keys, c.fences); err != nil {
				return fmt.Errorf("not sent: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: record %d outcomes (run %d): %w", len(outs), runID, err)
	}
	s.mu.Lock()
	s.fenced += refused
	for _, o := range outs {
		delete(s.fences, claimKey{sid, o.Key})
	}
	s.mu.Unlock()
	return nil
}

// Lookup finds a key, a key's value part, or an identity in every scope.
func (s *Store) Lookup(q string) ([]state.Person, error) {
	id := strings.TrimSpace(q)
	q = strings.ToLower(id)
	if q == "" {
		return nil, fmt.Errorf("state: lookup: empty key")
	}
	val := q
	if _, v, ok := strings.Cut(q, ":"); ok {
		val = v
	}
	rows, err := s.pool.Query(context.WithoutCancel(s.ctx), `SELECT * FROM (
		SELECT `+personCols+`, s.provider, s.base_url, s.tenant
		FROM onboard_people p JOIN onboard_scopes s ON s.id = p.scope_id
		WHERE substr(p.key, strpos(p.key, ':') + 1) IN ($1, $2)
			AND (p.key = $2 OR substr(p.key, strpos(p.key, ':') + 1) = $2)
		UNION
		SELECT `+personCols+`, s.provider, s.base_url, s.tenant
		FROM onboard_people p JOIN onboard_scopes s ON s.id = p.scope_id
		WHERE p.identity = $3 AND p.identity <> '') x
		ORDER BY 12, 13, 14, 1`, val, q, id)
	var out []state.Person
	var prov, base, tenant string
	err = eachPerson(rows, err, func(p state.Person) {
		p.Provider, p.BaseURL, p.Tenant = prov, base, tenant
		out = append(out, p)
	}, &prov, &base, &tenant)
	if err != nil {
		return nil, fmt.Errorf("state: lookup %s: %w", q, err)
	}
	return out, nil
}
