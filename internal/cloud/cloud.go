// Package cloud owns the national-cloud profiles: for each Microsoft cloud,
// the identity platform's login host, the Graph and Azure Resource Manager
// base URLs with their token scopes, and the blob storage suffix. It is the
// only package (besides the simulator) that names Microsoft host names; every
// other package takes URLs from a Profile.
package cloud

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	azcloud "github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

// Profile names, as written in the configuration file's `cloud` key.
const (
	Global   = "global"    // Microsoft Entra ID worldwide (also GCC, which uses global endpoints)
	China    = "china"     // Microsoft Azure operated by 21Vianet
	USGov    = "usgov"     // US Government L4 (GCC High)
	USGovDoD = "usgov-dod" // US Government L5 (DoD)
	Custom   = "custom"    // explicit endpoints: the simulator, proxies, private clouds
)

// Profile is everything the tool needs to know about one cloud. URLs carry a
// scheme and no trailing slash.
type Profile struct {
	Name string
	// LoginURL is the identity platform authority host, e.g.
	// https://login.microsoftonline.com; the tenant is appended to it.
	LoginURL string
	// GraphURL is Microsoft Graph's base URL without the version segment.
	GraphURL string
	// GraphScope is the client-credentials scope for Graph ("<resource>/.default").
	GraphScope string
	ARMURL     string
	ARMScope   string
	// StorageSuffix is the blob storage DNS suffix (<account>.blob.<suffix>).
	StorageSuffix string
	// UsageReportsV1 is false where Graph's v1.0 usage reports and
	// /admin/reportSettings are not offered (they are global-only; national
	// clouds serve the beta reports).
	UsageReportsV1 bool
	// DisableInstanceDiscovery is set for custom authorities, which
	// Microsoft's instance-discovery service does not know; it keeps the
	// simulator and private clouds offline.
	DisableInstanceDiscovery bool
}

// The four Microsoft clouds. Sources: Microsoft Graph national cloud
// deployments (learn.microsoft.com/graph/deployments), Azure SDK
// azcore/cloud, and Azure Government/China developer guides.
var builtin = []Profile{
	{
		Name:           Global,
		LoginURL:       "https://login.microsoftonline.com",
		GraphURL:       "https://graph.microsoft.com",
		GraphScope:     "https://graph.microsoft.com/.default",
		ARMURL:         "https://management.azure.com",
		ARMScope:       "https://management.azure.com/.default",
		StorageSuffix:  "core.windows.net",
		UsageReportsV1: true,
	},
	{
		Name:          China,
		LoginURL:      "https://login.chinacloudapi.cn",
		GraphURL:      "https://microsoftgraph.chinacloudapi.cn",
		GraphScope:    "https://microsoftgraph.chinacloudapi.cn/.default",
		ARMURL:        "https://management.chinacloudapi.cn",
		ARMScope:      "https://management.chinacloudapi.cn/.default",
		StorageSuffix: "core.chinacloudapi.cn",
	},
	{
		Name:          USGov,
		LoginURL:      "https://login.microsoftonline.us",
		GraphURL:      "https://graph.microsoft.us",
		GraphScope:    "https://graph.microsoft.us/.default",
		ARMURL:        "https://management.usgovcloudapi.net",
		ARMScope:      "https://management.usgovcloudapi.net/.default",
		StorageSuffix: "core.usgovcloudapi.net",
	},
	{
		Name:          USGovDoD,
		LoginURL:      "https://login.microsoftonline.us",
		GraphURL:      "https://dod-graph.microsoft.us",
		GraphScope:    "https://dod-graph.microsoft.us/.default",
		ARMURL:        "https://management.usgovcloudapi.net",
		ARMScope:      "https://management.usgovcloudapi.net/.default",
		StorageSuffix: "core.usgovcloudapi.net",
	},
}

// Names lists the valid values of the `cloud` key, custom last.
func Names() []string {
	names := make([]string, 0, len(builtin)+1)
	for _, p := range builtin {
		names = append(names, p.Name)
	}
	return append(names, Custom)
}

// ByName returns one of the Microsoft clouds. Custom needs endpoints: use
// NewCustom.
func ByName(name string) (Profile, error) {
	for _, p := range builtin {
		if p.Name == name {
			return p, nil
		}
	}
	if name == Custom {
		return Profile{}, fmt.Errorf("cloud %q needs explicit endpoints (login, graph, arm)", Custom)
	}
	return Profile{}, fmt.Errorf("unknown cloud %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// ByGraphDomain maps the "Graph domain" setting some connectors expose (e.g.
// graph.microsoft.us) onto the cloud that serves it. A scheme is optional.
func ByGraphDomain(domain string) (Profile, error) {
	host := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), "/")
	host = strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
	for _, p := range builtin {
		if strings.TrimPrefix(p.GraphURL, "https://") == host {
			return p, nil
		}
	}
	known := make([]string, 0, len(builtin))
	for _, p := range builtin {
		known = append(known, strings.TrimPrefix(p.GraphURL, "https://"))
	}
	return Profile{}, fmt.Errorf("graph domain %q is not a Microsoft Graph deployment (want one of %s, or use cloud: custom with endpoints)", domain, strings.Join(known, ", "))
}

// CustomEndpoints are the explicit URLs of a custom cloud. Scopes default to
// the global cloud's resources, which is what a proxy in front of the global
// cloud and the simulator expect.
type CustomEndpoints struct {
	Login, Graph, ARM    string
	GraphScope, ARMScope string
	StorageSuffix        string
}

// NewCustom builds a custom profile, validating each URL.
func NewCustom(e CustomEndpoints) (Profile, error) {
	g := builtin[0]
	p := Profile{
		Name:                     Custom,
		GraphScope:               orDefault(e.GraphScope, g.GraphScope),
		ARMScope:                 orDefault(e.ARMScope, g.ARMScope),
		StorageSuffix:            orDefault(e.StorageSuffix, g.StorageSuffix),
		UsageReportsV1:           true,
		DisableInstanceDiscovery: true,
	}
	var err error
	if p.LoginURL, err = baseURL("login", e.Login); err != nil {
		return Profile{}, err
	}
	if p.GraphURL, err = baseURL("graph", e.Graph); err != nil {
		return Profile{}, err
	}
	if e.ARM != "" {
		if p.ARMURL, err = baseURL("arm", e.ARM); err != nil {
			return Profile{}, err
		}
	}
	for name, s := range map[string]string{"graph_scope": p.GraphScope, "arm_scope": p.ARMScope} {
		if !strings.HasSuffix(s, "/.default") {
			return Profile{}, fmt.Errorf("endpoints.%s %q must be a resource followed by /.default", name, s)
		}
	}
	return p, nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// baseURL checks that s is an absolute https (or loopback http) URL without
// query or fragment, and returns it without a trailing slash.
func baseURL(field, s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("endpoints.%s is required for cloud custom", field)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("endpoints.%s %q is not an absolute http(s) URL", field, s)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		// Tokens and secrets would cross the network in clear text.
		return "", fmt.Errorf("endpoints.%s %q: plain http is allowed only on loopback; use https", field, s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("endpoints.%s %q must not carry a query or fragment", field, s)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

// Azure returns the azcore cloud configuration for azidentity: the authority
// host and the ARM service endpoint and audience.
func (p Profile) Azure() azcloud.Configuration {
	return azcloud.Configuration{
		ActiveDirectoryAuthorityHost: p.LoginURL + "/",
		Services: map[azcloud.ServiceName]azcloud.ServiceConfiguration{
			azcloud.ResourceManager: {
				Audience: strings.TrimSuffix(p.ARMScope, "/.default"),
				Endpoint: p.ARMURL,
			},
		},
	}
}

// IsBuiltin reports whether name is one of Microsoft's clouds.
func IsBuiltin(name string) bool {
	return slices.ContainsFunc(builtin, func(p Profile) bool { return p.Name == name })
}
