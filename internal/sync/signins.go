package sync

import (
	"context"
	"fmt"

	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

// signInsResource reads users' signInActivity (needs AuditLog.Read.All and
// Entra ID P1/P2). Delta queries do not carry it, so it is a listing of its
// own, refreshed in full on full runs and when older than FanoutMaxAge.
func signInsResource() *resource {
	return &resource{
		name: "signIns", group: "users", alias: "sign_in_activity", long: true,
		perms:   []string{"AuditLog.Read.All"},
		feature: "Microsoft Entra ID P1 or P2",
		tables:  []store.Table{store.TableUserSignIns},
		fanout:  true,
		run: func(ctx context.Context, j *job) error {
			full, err := j.fanoutFull(ctx)
			if err != nil || !full {
				return err
			}
			filter := newDomainFilter(j.e.o.Domains)
			n := 0
			for u, err := range j.e.g.Users(ctx, msgraph.ListOptions{Select: []string{"id", "userPrincipalName", "signInActivity"}}) {
				if err != nil {
					return fmt.Errorf("after %d users: %w", n, err)
				}
				n++
				if !filter.admits(u.UserPrincipalName) || u.SignInActivity == nil {
					continue
				}
				s := &store.UserSignIn{UserID: u.ID}
				a := u.SignInActivity
				if !msgraph.Never(a.LastSignInDateTime) {
					s.LastSignInDateTime = *a.LastSignInDateTime
				}
				if !msgraph.Never(a.LastNonInteractiveSignInDateTime) {
					s.LastNonInteractiveSignInDateTime = *a.LastNonInteractiveSignInDateTime
				}
				if !msgraph.Never(a.LastSuccessfulSignInDateTime) {
					s.LastSuccessfulSignInDateTime = *a.LastSuccessfulSignInDateTime
				}
				if err := j.add(ctx, 1, func(b *store.Batch) { b.PutUserSignIn(s) }); err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableUserSignIns) })
		},
	}
}
