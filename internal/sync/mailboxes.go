package sync

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

// mailboxesResource reads mailboxSettings/userPurpose (user, shared, room,
// equipment ...) per user with a mail address, batched 20 to a request.
func mailboxesResource() *resource {
	return &resource{
		name: "mailboxes", group: "users", alias: "mailbox_purpose",
		perms:  []string{"MailboxSettings.Read"},
		deps:   []string{usersResourceName},
		tables: []store.Table{store.TableUserMailboxes},
		fanout: true,
		excluded: func(o *Options) string {
			if !o.MailboxPurpose {
				return "mailbox purpose is off (sync option mailbox_purpose)"
			}
			return ""
		},
		run: func(ctx context.Context, j *job) error {
			full, err := j.fanoutFull(ctx)
			if err != nil {
				return err
			}
			var ids []string
			if full {
				if ids, err = j.e.run.UserIDs(ctx, true); err != nil {
					return err
				}
			} else {
				j.e.state.mu.Lock()
				for id := range j.e.state.mailUsers {
					ids = append(ids, id)
				}
				j.e.state.mu.Unlock()
			}
			for lo := 0; lo < len(ids); lo += fanoutChunk {
				chunk := ids[lo:min(lo+fanoutChunk, len(ids))]
				reqs := make([]msgraph.BatchRequest, len(chunk))
				for i, id := range chunk {
					reqs[i] = msgraph.BatchRequest{ID: id, Method: http.MethodGet, URL: msgraph.MailboxPurposeURL(id)}
				}
				resps, err := j.e.g.Batch(ctx, reqs)
				if err != nil {
					return err
				}
				for i, r := range resps {
					id := reqs[i].ID
					if r.Status == http.StatusNotFound {
						// No mailbox (MailboxNotEnabledForRESTAPI).
						if err := j.add(ctx, 0, func(b *store.Batch) { b.RemoveUserMailbox(id) }); err != nil {
							return err
						}
						continue
					}
					if err := r.Err(reqs[i]); err != nil {
						return err
					}
					p, err := msgraph.ParseMailboxPurpose(r.Body)
					if err != nil {
						return fmt.Errorf("user %s: %w", id, err)
					}
					if err := j.add(ctx, 1, func(b *store.Batch) { b.PutUserMailbox(&store.UserMailbox{UserID: id, Purpose: p}) }); err != nil {
						return err
					}
				}
			}
			if full {
				return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableUserMailboxes) })
			}
			return nil
		},
	}
}
