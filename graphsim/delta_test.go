package graphsim

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// deltaRound follows a delta round from path to its deltaLink.
func deltaRound(f *simFixture, path string) (items []map[string]any, deltaLink string) {
	f.t.Helper()
	pages := 0
	for next := path; next != ""; {
		var pg graphPage
		f.getOK(next, &pg)
		items = append(items, pg.Value...)
		pages++
		if pg.NextLink == "" && pg.DeltaLink == "" {
			f.t.Fatalf("delta page %d has neither nextLink nor deltaLink", pages)
		}
		if pg.NextLink != "" && pg.DeltaLink != "" {
			f.t.Fatalf("delta page %d has both links", pages)
		}
		next, deltaLink = pg.NextLink, pg.DeltaLink
	}
	return items, deltaLink
}

func idsOf(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = it["id"].(string)
	}
	return out
}

func TestUsersDeltaFullRoundThenChurn(t *testing.T) {
	f := mediumFixture(t, Options{})
	var want []string
	var seq0 uint64
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			want = append(want, u.ID)
		}
		seq0 = t.seq
	})
	items, deltaLink := deltaRound(f, "/v1.0/users/delta?$select=displayName,jobTitle")
	if got := idsOf(items); !slices.Equal(got, want) {
		t.Fatalf("first round returned %d users, tenant has %d (or order differs)", len(got), len(want))
	}
	if keys := keysOf(items[0]); !slices.Equal(keys, []string{"displayName", "id", "jobTitle"}) {
		t.Errorf("first round properties %v", keys)
	}

	sum := f.tenant.Churn(0.01, 42)
	if sum.UsersChanged == 0 {
		t.Fatalf("churn changed nothing: %+v", sum)
	}
	changed := map[string]bool{}
	removed := map[string]string{}
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			if u.Seq > seq0 {
				changed[u.ID] = true
			}
		}
		for _, u := range t.Deleted {
			if u.Seq > seq0 {
				removed[u.ID] = "changed"
				if u.HardDeleted {
					removed[u.ID] = "deleted"
				}
			}
		}
	})
	second, deltaLink2 := deltaRound(f, deltaLink)
	gotChanged, gotRemoved := map[string]bool{}, map[string]string{}
	for _, it := range second {
		id, _ := it["id"].(string)
		if rm, ok := it["@removed"].(map[string]any); ok {
			gotRemoved[id], _ = rm["reason"].(string)
			if len(it) != 2 {
				t.Errorf("removed entry carries more than id and @removed: %v", it)
			}
			continue
		}
		gotChanged[id] = true
	}
	if !mapsEqual(gotChanged, changed) {
		t.Errorf("second round changed %d users, tenant changed %d", len(gotChanged), len(changed))
	}
	if !mapsEqual(gotRemoved, removed) {
		t.Errorf("second round removed %v, want %v", gotRemoved, removed)
	}
	if sum.UsersDeleted != len(removed) {
		t.Errorf("churn deleted %d users, delta shows %d removals", sum.UsersDeleted, len(removed))
	}
	// Nothing changed since: the next round is empty.
	third, _ := deltaRound(f, deltaLink2)
	if len(third) != 0 {
		t.Errorf("third round returned %d objects, want none", len(third))
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestUsersDeltaLatestAndWrites(t *testing.T) {
	f := smallFixture(t)
	var pg graphPage
	f.getOK("/v1.0/users/delta()?$deltatoken=latest", &pg)
	if len(pg.Value) != 0 || pg.DeltaLink == "" || pg.NextLink != "" {
		t.Fatalf("$deltatoken=latest = %d items, deltaLink %q", len(pg.Value), pg.DeltaLink)
	}
	uid := cloudUser(f, nil)
	code, _, body := f.do("PATCH", "/v1.0/users/"+uid, `{"accountEnabled":false,"department":"Finance"}`)
	if code != 204 {
		t.Fatalf("PATCH: %d %s", code, body)
	}
	items, _ := deltaRound(f, pg.DeltaLink)
	if got := idsOf(items); !slices.Equal(got, []string{uid}) {
		t.Errorf("after PATCH the round returned %v, want [%s]", got, uid)
	}
}

func TestDeltaErrors(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p, _ := ProfileByName("small", 7)
	f := newSimFixture(t, p, Options{Clock: clock}, nil)

	// $top is ignored on delta, as Graph does; $orderby is refused.
	var all graphPage
	f.getOK("/v1.0/users/delta?$top=5", &all)
	if len(all.Value) != len(f.tenant.Users) {
		t.Errorf("delta with $top=5 returned %d users, want all %d", len(all.Value), len(f.tenant.Users))
	}
	code, body := f.get("/v1.0/users/delta?$orderby=displayName")
	wantGraphError(t, code, body, 400, "Request_UnsupportedQuery", "Unsupported Query.")
	code, body = f.get("/v1.0/users/delta?$filter=displayName%20eq%20'x'")
	wantGraphError(t, code, body, 400, "Request_UnsupportedQuery", "Unsupported Query.")
	code, body = f.get("/v1.0/users/delta?$deltatoken=bm90LWEtdG9rZW4")
	wantGraphError(t, code, body, 400, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.")

	var pg graphPage
	f.getOK("/v1.0/users/delta?$deltatoken=latest", &pg)
	mu.Lock()
	now = now.Add(8 * 24 * time.Hour) // delta links live seven days
	mu.Unlock()
	f.token = f.tokenFor(f.tenant.Connector.Granted) // the old token expired too
	code, body = f.get(pg.DeltaLink)
	wantGraphError(t, code, body, 400, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.")

	// $filter=id eq works and returns just those users.
	var ids []string
	f.tenant.Snapshot(func(t *Tenant) { ids = []string{t.Users[0].ID, t.Users[5].ID} })
	items, _ := deltaRound(f, "/v1.0/users/delta?$filter=id%20eq%20'"+ids[0]+"'%20or%20id%20eq%20'"+ids[1]+"'")
	if got := idsOf(items); !slices.Equal(got, ids) {
		t.Errorf("delta id filter returned %v, want %v", got, ids)
	}
}

func TestGroupsDeltaMembers(t *testing.T) {
	f := smallFixture(t)
	members := map[string][]string{}
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			members[g.ID] = slices.Clone(g.Members)
		}
	})
	items, deltaLink := deltaRound(f, "/v1.0/groups/delta()")
	if len(items) != len(members) {
		t.Fatalf("first round %d groups, tenant %d", len(items), len(members))
	}
	for _, it := range items {
		id, _ := it["id"].(string)
		md, _ := it["members@delta"].([]any)
		var got []string
		for _, m := range md {
			mm := m.(map[string]any)
			if mm["@odata.type"] == nil {
				t.Errorf("member without @odata.type in %s", id)
			}
			got = append(got, mm["id"].(string))
		}
		if !slices.Equal(got, members[id]) && !(len(got) == 0 && len(members[id]) == 0) {
			t.Errorf("group %s members@delta %d, tenant %d", id, len(got), len(members[id]))
		}
	}

	// Move one user: out of one group, into another.
	var from, to, uid string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			for _, m := range g.Members {
				if t.kindByID[m] == KindUser && from == "" {
					from, uid = g.ID, m
				}
			}
		}
		for _, g := range t.Groups {
			if g.ID != from && !slices.Contains(g.Members, uid) {
				to = g.ID
				break
			}
		}
	})
	if err := f.tenant.RemoveGroupMember(from, uid); err != nil {
		t.Fatal(err)
	}
	code, _, body := f.do("POST", "/v1.0/groups/"+to+"/members/$ref", `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/`+uid+`"}`)
	if code != 204 {
		t.Fatalf("add member: %d %s", code, body)
	}
	second, _ := deltaRound(f, deltaLink)
	byID := map[string]map[string]any{}
	for _, it := range second {
		byID[it["id"].(string)] = it
	}
	ids := keysOf(map[string]any{from: nil, to: nil})
	if got := keysOf(anyMap(byID)); !slices.Equal(got, ids) {
		t.Fatalf("second round groups %v, want %v", got, ids)
	}
	wantRemoved, _ := json.Marshal([]any{map[string]any{"@odata.type": "#microsoft.graph.user", "id": uid, "@removed": map[string]any{"reason": "deleted"}}})
	gotRemoved, _ := json.Marshal(byID[from]["members@delta"])
	if string(gotRemoved) != string(wantRemoved) {
		t.Errorf("removal members@delta %s, want %s", gotRemoved, wantRemoved)
	}
	wantAdded, _ := json.Marshal([]any{map[string]any{"@odata.type": "#microsoft.graph.user", "id": uid}})
	gotAdded, _ := json.Marshal(byID[to]["members@delta"])
	if string(gotAdded) != string(wantAdded) {
		t.Errorf("addition members@delta %s, want %s", gotAdded, wantAdded)
	}
}

func anyMap[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestDeltaConformance(t *testing.T) {
	f := smallFixture(t)
	code, body := f.get("/v1.0/users/delta?$select=displayName,givenName,surname")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	assertSameShape(t, readExample(t, "v1.0_users_delta_lastpage_deltaLink.json"), body)
	code, body = f.get("/v1.0/groups/delta")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	// The docs example shows a first page; a small tenant fits on one.
	assertSameShape(t, readExample(t, "v1.0_groups_delta.json"), body, "@odata.nextLink")

	var pg graphPage
	f.getOK("/v1.0/users/delta?$deltatoken=latest", &pg)
	uid := cloudUser(f, nil)
	if code, _, b := f.do("PATCH", "/v1.0/users/"+uid, `{"jobTitle":"Buyer"}`); code != 204 {
		t.Fatalf("PATCH %d %s", code, b)
	}
	_, body = f.get(pg.DeltaLink)
	assertSameShape(t, readExample(t, "v1.0_users_delta_lastpage_deltaLink.json"), body)
}

func TestGroupsDeltaSplitsLargeMemberLists(t *testing.T) {
	f := mediumFixture(t, Options{})
	var big *Group
	var users []string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			if big == nil || len(g.Members) > len(big.Members) {
				big = g
			}
		}
		for _, u := range t.Users {
			users = append(users, u.ID)
		}
	})
	for _, uid := range users {
		if len(f.tenant.GroupByID(big.ID).Members) > deltaMemberBudget*2+10 {
			break
		}
		if f.tenant.KindOf(uid) == KindUser && !slices.Contains(big.Members, uid) {
			if err := f.tenant.AddGroupMember(big.ID, uid); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string][]string{}
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			want[g.ID] = slices.Clone(g.Members)
		}
	})
	got := map[string][]string{}
	appearances := map[string]int{}
	items, _ := deltaRound(f, "/v1.0/groups/delta?$select=id,displayName,members")
	for _, it := range items {
		id := it["id"].(string)
		appearances[id]++
		md, _ := it["members@delta"].([]any)
		for _, m := range md {
			got[id] = append(got[id], m.(map[string]any)["id"].(string))
		}
	}
	if appearances[big.ID] < 3 {
		t.Errorf("group with %d members appeared on %d pages, want it split", len(want[big.ID]), appearances[big.ID])
	}
	for id, w := range want {
		if !slices.Equal(got[id], w) && !(len(w) == 0 && len(got[id]) == 0) {
			t.Errorf("group %s: reassembled %d members, tenant %d", id, len(got[id]), len(w))
		}
	}
}

// TestDeltaConformanceChangesAndPages compares a multi-page first round and
// a round with removals with Microsoft's examples, element kind by element
// kind (the changes example mixes a changed user and a removed one).
func TestDeltaConformanceChangesAndPages(t *testing.T) {
	p, _ := ProfileByName("small", 7)
	f := newSimFixture(t, p, Options{PageSizeCap: 10}, nil)
	code, body := f.get("/v1.0/users/delta?$select=displayName,givenName,surname")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	assertSameShape(t, readExample(t, "v1.0_users_delta_page1_nextLink.json"), body)
	_, deltaLink := deltaRound(f, "/v1.0/users/delta?$select=displayName,givenName,surname")

	var seq0 uint64
	f.tenant.Snapshot(func(t *Tenant) { seq0 = t.seq })
	// Churn until some user is deleted (a small tenant loses few per round).
	deleted := 0
	for seed := int64(1); seed <= 30 && deleted == 0; seed++ {
		deleted += f.tenant.Churn(0.3, seed).UsersDeleted
	}
	if deleted == 0 {
		t.Fatal("churn deleted no users")
	}
	var ex struct {
		Context   string            `json:"@odata.context"`
		DeltaLink string            `json:"@odata.deltaLink"`
		Value     []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(readExample(t, "v1.0_users_delta_changes_with_removed.json"), &ex); err != nil {
		t.Fatal(err)
	}
	changed, removed := 0, 0
	for next := deltaLink; next != ""; {
		_, body := f.get(next)
		var pg struct {
			Next  string            `json:"@odata.nextLink"`
			Value []json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(body, &pg); err != nil {
			t.Fatal(err)
		}
		for _, raw := range pg.Value {
			if strings.Contains(string(raw), `"@removed"`) {
				assertSameShape(t, ex.Value[1], raw)
				removed++
			} else {
				assertSameShape(t, ex.Value[0], raw)
				changed++
			}
		}
		next = pg.Next
	}
	want := 0
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Deleted {
			if u.Seq > seq0 {
				want++
			}
		}
	})
	if removed != want || changed == 0 {
		t.Errorf("round after churn: %d changed, %d removed (tenant removed %d)", changed, removed, want)
	}
}

// Groups keep their members' kinds index for index through generation and
// churn (added and removed members), which the first delta round writes
// from instead of looking each member up.
func TestGroupMemberKindsStayAligned(t *testing.T) {
	p, err := ProfileByName("medium", 4)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		tn.Snapshot(func(tn *Tenant) {
			for _, g := range tn.Groups {
				if len(g.memberKinds) != len(g.Members) {
					t.Fatalf("%s: group %s has %d members and %d kinds", when, g.ID, len(g.Members), len(g.memberKinds))
				}
				for i, m := range g.Members {
					if want := tn.kindLocked(m); g.memberKinds[i] != want {
						t.Fatalf("%s: group %s member %d (%s) kind %v, want %v", when, g.ID, i, m, g.memberKinds[i], want)
					}
				}
			}
		})
	}
	check("generated")
	for seed := range int64(3) {
		if s := tn.Churn(0.05, seed); s.MembersAdded == 0 || s.MembersRemoved == 0 {
			t.Fatalf("churn %d changed no memberships: %+v", seed, s)
		}
		check("after churn")
	}
}
