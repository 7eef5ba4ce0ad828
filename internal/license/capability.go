package license

import "strings"

// Capability is something a licence lets a person do that matters when
// judging whether the licence is used or could be cheaper: a workload the
// usage reports observe, or a paid feature that tells SKUs apart.
type Capability string

const (
	CapExchange    Capability = "exchange"     // a mailbox
	CapSharePoint  Capability = "sharepoint"   // SharePoint Online
	CapOneDrive    Capability = "onedrive"     // OneDrive for Business
	CapTeams       Capability = "teams"        // Microsoft Teams
	CapSkype       Capability = "skype"        // Skype for Business Online
	CapYammer      Capability = "yammer"       // Yammer / Viva Engage
	CapDesktopApps Capability = "desktop-apps" // installable Microsoft 365 Apps
	CapWebApps     Capability = "web-apps"     // Office for the web and mobile
	CapEntraP1     Capability = "entra-p1"
	CapEntraP2     Capability = "entra-p2"
	CapIntune      Capability = "intune"
	CapPhoneSystem Capability = "phone-system"
	CapAudioConf   Capability = "audio-conferencing"
	CapPowerBIPro  Capability = "power-bi-pro"
	CapVisio       Capability = "visio"
	CapProject     Capability = "project"
	CapCopilot     Capability = "copilot"
	CapDefenderO2  Capability = "defender-office-p2"
	CapCompliance  Capability = "advanced-compliance"
)

// observable are the capabilities whose use the usage reports show. Use of
// the others cannot be seen from Graph reports, so a recommendation that
// would take them away says so in its evidence.
var observable = map[Capability]bool{
	CapExchange: true, CapSharePoint: true, CapOneDrive: true, CapTeams: true,
	CapSkype: true, CapYammer: true, CapDesktopApps: true, CapWebApps: true,
}

// planCapabilities maps Microsoft's service plan names (the String_Id-like
// Service_Plan_Name column of Microsoft's licensing table, and servicePlanName
// on subscribedSkus) to capabilities. Several plan generations map to one
// capability (EXCHANGE_S_STANDARD and EXCHANGE_S_ENTERPRISE are both a
// mailbox). Plans not listed carry no capability that changes a verdict.
//
// Kept as data: a new SKU generation is one line here.
var planCapabilities = map[string][]Capability{
	"EXCHANGE_S_ENTERPRISE":       {CapExchange},
	"EXCHANGE_S_STANDARD":         {CapExchange},
	"EXCHANGE_S_DESKLESS":         {CapExchange},
	"EXCHANGE_S_ESSENTIALS":       {CapExchange},
	"EXCHANGE_S_ENTERPRISE_GOV":   {CapExchange},
	"SHAREPOINTENTERPRISE":        {CapSharePoint, CapOneDrive},
	"SHAREPOINTSTANDARD":          {CapSharePoint, CapOneDrive},
	"SHAREPOINTDESKLESS":          {CapSharePoint, CapOneDrive},
	"ONEDRIVE_BASIC":              {CapOneDrive},
	"ONEDRIVESTANDARD":            {CapOneDrive},
	"ONEDRIVEENTERPRISE":          {CapOneDrive},
	"TEAMS1":                      {CapTeams},
	"TEAMS_FREE":                  {CapTeams},
	"MCOSTANDARD":                 {CapSkype},
	"MCOIMP":                      {CapSkype},
	"YAMMER_ENTERPRISE":           {CapYammer},
	"YAMMER_MIDSIZE":              {CapYammer},
	"VIVAENGAGE_CORE":             {CapYammer},
	"OFFICESUBSCRIPTION":          {CapDesktopApps, CapWebApps},
	"OFFICE_BUSINESS":             {CapDesktopApps, CapWebApps},
	"SHAREPOINTWAC":               {CapWebApps},
	"OFFICEMOBILE_SUBSCRIPTION":   {CapWebApps},
	"AAD_PREMIUM":                 {CapEntraP1},
	"AAD_PREMIUM_P2":              {CapEntraP2, CapEntraP1},
	"INTUNE_A":                    {CapIntune},
	"MCOEV":                       {CapPhoneSystem},
	"MCOMEETADV":                  {CapAudioConf},
	"BI_AZURE_P2":                 {CapPowerBIPro},
	"VISIO_CLIENT_SUBSCRIPTION":   {CapVisio},
	"VISIOONLINE":                 {CapVisio},
	"PROJECT_CLIENT_SUBSCRIPTION": {CapProject},
	"SHAREPOINT_PROJECT":          {CapProject},
	"PROJECT_PROFESSIONAL":        {CapProject},
	"THREAT_INTELLIGENCE":         {CapDefenderO2},
	"INFO_GOVERNANCE":             {CapCompliance},
	"EQUIVIO_ANALYTICS":           {CapCompliance},
	"M365_ADVANCED_AUDITING":      {CapCompliance},
}

// copilotPlanPrefix: Copilot's service plans are many and renamed often; all
// start with this.
const copilotPlanPrefix = "M365_COPILOT"

// CapabilitiesOf returns the capabilities a set of service plans grants,
// leaving out disabled plans.
func CapabilitiesOf(planNames []string, disabled map[string]bool) map[Capability]bool {
	caps := map[Capability]bool{}
	for _, p := range planNames {
		if disabled[p] {
			continue
		}
		up := strings.ToUpper(p)
		for _, c := range planCapabilities[up] {
			caps[c] = true
		}
		if strings.HasPrefix(up, copilotPlanPrefix) {
			caps[CapCopilot] = true
		}
	}
	return caps
}

// subset reports whether every capability in a is also in b.
func subset(a, b map[Capability]bool) bool {
	for c := range a {
		if !b[c] {
			return false
		}
	}
	return true
}

// AddOnCapabilities are the capabilities that make a SKU an add-on worth
// watching on its own (seed 004's licence differentiation; issue 5: Visio,
// Project, Power BI Pro, Copilot).
var AddOnCapabilities = []Capability{CapVisio, CapProject, CapPowerBIPro, CapCopilot}

// DowngradeRule proposes a cheaper SKU for users of From whose observed use
// fits To. Rules are data, evaluated against the SKUs' own service plans.
type DowngradeRule struct {
	From, To string // SKU part numbers
	// NoDesktop additionally requires that the user ran no desktop Microsoft
	// 365 App (only web and mobile), the E3 → E1/F3 case. The finding's
	// evidence then also says, from the activations report, whether Office
	// is activated on a Windows or Mac device (installs the switch would
	// leave unlicensed) or not at all.
	NoDesktop bool
	// MaxMailboxBytes, when > 0, requires mailbox storage below it (F3's
	// 2 GB mailbox).
	MaxMailboxBytes int64
	Why             string
}

// DefaultDowngradeRules are the recommendations the issue names, expressed
// over Microsoft's SKU part numbers.
var DefaultDowngradeRules = []DowngradeRule{
	{From: "ENTERPRISEPREMIUM", To: "ENTERPRISEPACK", Why: "Office 365 E5 user whose observed use is all within Office 365 E3"},
	{From: "SPE_E5", To: "SPE_E3", Why: "Microsoft 365 E5 user whose observed use is all within Microsoft 365 E3"},
	{From: "ENTERPRISEPACK", To: "STANDARDPACK", NoDesktop: true, Why: "Office 365 E3 user who uses only web and mobile apps"},
	{From: "SPE_E3", To: "SPE_F1", NoDesktop: true, MaxMailboxBytes: 2 << 30, Why: "Microsoft 365 E3 user who uses only web and mobile apps with a mailbox under 2 GB"},
}

// IsFreeOrTrial reports whether a SKU costs nothing: Microsoft's free and
// viral/trial SKUs (Power Automate Free, Microsoft Fabric (Free), Teams
// Exploratory, "... Viral Trial") come with thousands of self-service seats
// that are never worth reclaiming. Told by Microsoft's own naming in the
// licensing table, so new trial SKUs are recognised without a code change.
func IsFreeOrTrial(skuPartNumber, displayName string) bool {
	p, n := strings.ToUpper(skuPartNumber), strings.ToLower(displayName)
	for _, w := range []string{"FREE", "VIRAL", "TRIAL", "EXPLORATORY"} {
		if strings.Contains(p, w) {
			return true
		}
	}
	for _, w := range []string{"(free)", " free", "trial", "exploratory"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
