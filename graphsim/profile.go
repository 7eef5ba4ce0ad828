package graphsim

import (
	"fmt"
	"time"
)

// Profile says what tenant Generate builds. The same Profile always yields
// the same tenant, byte for byte.
type Profile struct {
	Name string
	Seed int64

	// Exact object counts. Memberships come out at about ten per user.
	Users, Groups, ServicePrincipals, Devices int

	// Tier decides which SKUs the tenant buys: Entra ID P1 comes with
	// Microsoft 365 E3/F3/Business Premium and Entra ID P1; P2 with
	// Microsoft 365 E5 and Entra ID P2. PIM data exists only on p2.
	Tier Tier
	// Concealed is reportSettings.displayConcealedNames.
	Concealed bool
	// Granted are the Microsoft Graph application permissions consented to
	// the connector; nil means every permission in GraphAppRoles.
	Granted []string
	// ClientSecret is the connector's secret; "" derives one from Seed.
	ClientSecret string
	// SecretExpiry is the connector secret's lifetime from Now; 0 means 365
	// days.
	SecretExpiry time.Duration
	// Now is the tenant's "today"; zero means 2026-11-01T00:00:00Z.
	Now time.Time
	// Subscriptions is the number of Azure subscriptions; 0 means the
	// profile's default.
	Subscriptions int
}

// defaultNow is the generator's "today" when a Profile leaves Now zero, so
// that generated dates do not depend on the wall clock.
func defaultNow() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }

// ProfileByName returns a named profile: small (50 users), medium (5,000)
// or large (100,000 users, 10,000 groups, about 1,000,000 memberships).
// Tier defaults to p2 so every feature has data; callers change it.
func ProfileByName(name string, seed int64) (Profile, error) {
	p := Profile{Name: name, Seed: seed, Tier: TierP2, Concealed: true}
	switch name {
	case "small":
		p.Users, p.Groups, p.ServicePrincipals, p.Devices, p.Subscriptions = 50, 12, 40, 30, 2
	case "medium":
		p.Users, p.Groups, p.ServicePrincipals, p.Devices, p.Subscriptions = 5000, 600, 400, 2500, 5
	case "large":
		p.Users, p.Groups, p.ServicePrincipals, p.Devices, p.Subscriptions = 100000, 10000, 3000, 30000, 20
	default:
		return Profile{}, fmt.Errorf("unknown tenant profile %q (want small, medium or large)", name)
	}
	return p, nil
}

// normalized fills the defaults and rejects what cannot be generated.
func (p Profile) normalized() (Profile, error) {
	if p.Now.IsZero() {
		p.Now = defaultNow()
	}
	p.Now = p.Now.UTC()
	if p.SecretExpiry == 0 {
		p.SecretExpiry = 365 * 24 * time.Hour
	}
	switch p.Tier {
	case "":
		p.Tier = TierP2
	case TierFree, TierP1, TierP2:
	default:
		return p, fmt.Errorf("profile %q: unknown tier %q (want free, p1 or p2)", p.Name, p.Tier)
	}
	if p.Users < 1 || p.Groups < 0 || p.ServicePrincipals < 0 || p.Devices < 0 || p.Subscriptions < 0 {
		return p, fmt.Errorf("profile %q: counts must be non-negative and users at least 1 (users %d, groups %d, service principals %d, devices %d, subscriptions %d)",
			p.Name, p.Users, p.Groups, p.ServicePrincipals, p.Devices, p.Subscriptions)
	}
	if p.ServicePrincipals < minServicePrincipals {
		return p, fmt.Errorf("profile %q: at least %d service principals are needed (Microsoft's first-party apps and the connector), got %d",
			p.Name, minServicePrincipals, p.ServicePrincipals)
	}
	if p.Subscriptions == 0 {
		p.Subscriptions = 1 + p.Users/5000
		if p.Subscriptions > 20 {
			p.Subscriptions = 20
		}
	}
	if p.Granted != nil {
		for _, g := range p.Granted {
			if _, ok := GraphAppRoleByValue(g); !ok {
				return p, fmt.Errorf("profile %q: %q is not a Microsoft Graph application permission known to the simulator", p.Name, g)
			}
		}
	}
	return p, nil
}
