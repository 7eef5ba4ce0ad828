package graphsim

import (
	"strings"
	"time"
)

// organization names the tenant and creates its domains and identity
// providers.
func (g *gen) organization() error {
	r := g.rng("organization")
	t := g.t
	t.ID = newGUID(r)
	t.DisplayName = companyNames[r.IntN(len(companyNames))]
	base := domainLabel(t.DisplayName)
	t.InitialDomain = base + ".onmicrosoft.com"
	t.DefaultDomain = base + ".com"
	// Tenants in the generated population are 3 to 9 years old.
	t.Created = daysAgo(r, t.Now, between(r, 3*365, 9*365))

	t.Domains = []*Domain{
		{ID: t.InitialDomain, AuthenticationType: "Managed", IsInitial: true, IsVerified: true, IsAdminManaged: true, IsRoot: true,
			SupportedServices: []string{"Email", "OfficeCommunicationsOnline"}},
		{ID: t.DefaultDomain, AuthenticationType: "Managed", IsDefault: true, IsVerified: true, IsAdminManaged: true, IsRoot: true,
			SupportedServices: []string{"Email", "OfficeCommunicationsOnline", "Intune"}},
		// A federated subsidiary domain (AD FS), as hybrid tenants keep.
		{ID: subsidiaryDomain(t), AuthenticationType: "Federated", IsVerified: true, IsAdminManaged: true, IsRoot: false,
			SupportedServices: []string{"Email", "OfficeCommunicationsOnline"}},
		// Added but never verified: Graph lists it with isVerified false.
		{ID: base + ".net", AuthenticationType: "Managed", IsVerified: false, IsAdminManaged: true, IsRoot: true},
	}

	t.IdentityProviders = []*IdentityProvider{
		// Shapes from v1.0_identity_identityProviders_list.json.
		{ODataType: "#microsoft.graph.builtInIdentityProvider", ID: "MSASignup-OAUTH", DisplayName: "MicrosoftAccount", IdentityProviderType: "MicrosoftAccount"},
		{ODataType: "#microsoft.graph.builtInIdentityProvider", ID: "EmailOtpSignup-OAUTH", DisplayName: "Email One Time Passcode", IdentityProviderType: "EmailOTP"},
		{ODataType: "#microsoft.graph.socialIdentityProvider", ID: "Google-OAUTH", DisplayName: "Google", IdentityProviderType: "Google",
			ClientID: newGUID(r)[:24] + ".apps.googleusercontent.com"},
	}

	// Headquarters: the first office, where most staff work.
	hq := offices[0]
	t.Organization = Organization{
		Street: "1 " + t.DisplayName + " Way", City: hq.Name, State: "WA", PostalCode: "98052",
		CountryLetterCode: hq.Country, Country: countryName(hq.Country),
		BusinessPhones:             []string{hq.Phone + "0100"},
		TechnicalNotificationMails: []string{"it-admins@" + t.DefaultDomain},
		PreferredLanguage:          hq.Language,
		OnPremisesSyncEnabled:      true,
		OnPremisesLastSyncDateTime: t.Now.Add(-time.Duration(r.IntN(1800)) * time.Second), // Entra Connect runs every 30 minutes
	}
	return nil
}

// domainLabel turns "Northwind Traders" into "northwindtraders".
func domainLabel(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func countryName(code string) string {
	switch code {
	case "US":
		return "United States"
	case "CA":
		return "Canada"
	case "GB":
		return "United Kingdom"
	case "IE":
		return "Ireland"
	case "DE":
		return "Germany"
	case "FR":
		return "France"
	case "NL":
		return "Netherlands"
	case "ES":
		return "Spain"
	case "SE":
		return "Sweden"
	case "IN":
		return "India"
	case "JP":
		return "Japan"
	case "AU":
		return "Australia"
	case "BR":
		return "Brazil"
	}
	return code
}
