package graphsim

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
)

// The walk over a report's users that both the CSV and the JSON forms
// share, and the streamed CSV writer.

// reportSource is a report's rows, walked in batches under the tenant's
// read lock.
type reportSource struct {
	rs        *reportState
	t         *Tenant
	def       *reportDef
	win       reportWindow
	concealed bool
	users     []*User // live users then deleted users, snapshotted
	live      int     // users[:live] are live
	skus      map[string]*SubscribedSKU
	planBits  map[*SubscribedSKU][]uint16
	names     *productNames
	// perUser walks a per-activation report once per user (its JSON form
	// nests the activations).
	perUser bool
}

func (rs *reportState) source(t *Tenant, def *reportDef, win reportWindow) *reportSource {
	src := &reportSource{rs: rs, t: t, def: def, win: win, names: rs.productNames()}
	t.mu.RLock()
	defer t.mu.RUnlock()
	src.concealed = t.ReportSettings.DisplayConcealedNames
	src.users = make([]*User, 0, len(t.Users))
	src.users = append(src.users, t.Users...)
	src.live = len(src.users)
	for _, u := range t.Deleted {
		// Deleted users appear while the deletion falls within the period.
		if win.in(u.DeletedDateTime) {
			src.users = append(src.users, u)
		}
	}
	src.skus = make(map[string]*SubscribedSKU, len(t.SubscribedSKUs))
	// Each plan's workloads, worked out once per report instead of once
	// per user and plan.
	src.planBits = make(map[*SubscribedSKU][]uint16, len(t.SubscribedSKUs))
	for _, s := range t.SubscribedSKUs {
		src.skus[strings.ToLower(s.SkuID)] = s
		bits := make([]uint16, len(s.ServicePlans))
		for k, p := range s.ServicePlans {
			bits[k] = planServices(p.ServicePlanName)
		}
		src.planBits[s] = bits
	}
	return src
}

// each calls fn for every row from user position from on, holding the read
// lock for at most reportBatch users at a time and calling flush (without
// the lock) after each batch. fn returns false to stop; each returns the
// position after the last user visited.
func (src *reportSource) each(from int, fn func(c *rowCtx) bool, flush func() error) (int, error) {
	i := from
	// One row context for the whole walk: renderers must not keep it.
	var (
		c   rowCtx
		lic userLicences
	)
	for i < len(src.users) {
		end := min(i+reportBatch, len(src.users))
		stopped := false
		src.t.mu.RLock()
		for ; i < end && !stopped; i++ {
			u := src.users[i]
			lic = licencesOf(src.skus, src.planBits, u)
			c = rowCtx{t: src.t, u: u, deleted: i >= src.live, w: src.win, concealed: src.concealed, lic: &lic, cat: src.names}
			if !src.def.covers(&c) {
				continue
			}
			if src.def.perActivation && !src.perUser {
				for k := range u.Activity.ActivatedProducts {
					c.act = &u.Activity.ActivatedProducts[k]
					if !fn(&c) {
						stopped = true
					}
				}
				continue
			}
			if !fn(&c) {
				stopped = true
			}
		}
		src.t.mu.RUnlock()
		if err := flush(); err != nil {
			return i, err
		}
		if stopped {
			break
		}
	}
	return i, nil
}

var reportBOM = []byte{0xEF, 0xBB, 0xBF}

// writeCSV streams the report: UTF-8 BOM, CRLF line ends, the documented
// header, one row per covered user.
func (rs *reportState) writeCSV(w io.Writer, t *Tenant, def *reportDef, win reportWindow) error {
	src := rs.source(t, def, win)
	var buf bytes.Buffer
	buf.Write(reportBOM)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	rec := make([]string, len(def.columns))
	for i, col := range def.columns {
		rec[i] = col.header
	}
	_ = cw.Write(rec)
	_, err := src.each(0, func(c *rowCtx) bool {
		for i, col := range def.columns {
			rec[i] = col.value(c)
		}
		_ = cw.Write(rec)
		return true
	}, func() error {
		cw.Flush()
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		return err
	})
	if err != nil {
		return err
	}
	cw.Flush()
	_, err = w.Write(buf.Bytes())
	return err
}
