package cloud

import (
	"strings"
	"testing"

	azcloud "github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

func TestBuiltinProfiles(t *testing.T) {
	cases := []struct{ name, login, graph, graphScope, arm, armScope, storage string }{
		{Global, "https://login.microsoftonline.com", "https://graph.microsoft.com", "https://graph.microsoft.com/.default", "https://management.azure.com", "https://management.azure.com/.default", "core.windows.net"},
		{China, "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn/.default", "https://management.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default", "core.chinacloudapi.cn"},
		{USGov, "https://login.microsoftonline.us", "https://graph.microsoft.us", "https://graph.microsoft.us/.default", "https://management.usgovcloudapi.net", "https://management.usgovcloudapi.net/.default", "core.usgovcloudapi.net"},
		{USGovDoD, "https://login.microsoftonline.us", "https://dod-graph.microsoft.us", "https://dod-graph.microsoft.us/.default", "https://management.usgovcloudapi.net", "https://management.usgovcloudapi.net/.default", "core.usgovcloudapi.net"},
	}
	for _, c := range cases {
		p, err := ByName(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if p.LoginURL != c.login || p.GraphURL != c.graph || p.GraphScope != c.graphScope || p.ARMURL != c.arm || p.ARMScope != c.armScope || p.StorageSuffix != c.storage {
			t.Errorf("%s = %+v", c.name, p)
		}
		if p.DisableInstanceDiscovery {
			t.Errorf("%s disables instance discovery", c.name)
		}
		if p.UsageReportsV1 != (c.name == Global) {
			t.Errorf("%s UsageReportsV1 = %v", c.name, p.UsageReportsV1)
		}
	}
	// The authority hosts agree with the Azure SDK's own cloud table.
	for name, sdk := range map[string]azcloud.Configuration{Global: azcloud.AzurePublic, China: azcloud.AzureChina, USGov: azcloud.AzureGovernment} {
		p, _ := ByName(name)
		if got := p.Azure().ActiveDirectoryAuthorityHost; got != sdk.ActiveDirectoryAuthorityHost {
			t.Errorf("%s authority %s, azcore says %s", name, got, sdk.ActiveDirectoryAuthorityHost)
		}
		if got := p.Azure().Services[azcloud.ResourceManager]; got.Endpoint != p.ARMURL || got.Audience+"/.default" != p.ARMScope {
			t.Errorf("%s ARM service = %+v", name, got)
		}
	}
	if _, err := ByName(Custom); err == nil {
		t.Fatal("custom without endpoints accepted")
	}
	if _, err := ByName("moon"); err == nil || !strings.Contains(err.Error(), "global, china, usgov, usgov-dod, custom") {
		t.Fatalf("unknown cloud error = %v", err)
	}
}

func TestByGraphDomain(t *testing.T) {
	for domain, want := range map[string]string{
		"graph.microsoft.com": Global, "https://graph.microsoft.us/": USGov, "DOD-GRAPH.microsoft.us": USGovDoD,
		"microsoftgraph.chinacloudapi.cn": China,
	} {
		p, err := ByGraphDomain(domain)
		if err != nil || p.Name != want {
			t.Errorf("ByGraphDomain(%q) = %s, %v; want %s", domain, p.Name, err, want)
		}
	}
	if _, err := ByGraphDomain("graph.example.com"); err == nil {
		t.Fatal("unknown graph domain accepted")
	}
}

func TestNewCustom(t *testing.T) {
	p, err := NewCustom(CustomEndpoints{Login: "https://127.0.0.1:8443/", Graph: "https://127.0.0.1:8443", ARM: "https://127.0.0.1:8443"})
	if err != nil {
		t.Fatal(err)
	}
	want := Profile{Name: Custom, LoginURL: "https://127.0.0.1:8443", GraphURL: "https://127.0.0.1:8443", GraphScope: "https://graph.microsoft.com/.default",
		ARMURL: "https://127.0.0.1:8443", ARMScope: "https://management.azure.com/.default", StorageSuffix: "core.windows.net",
		UsageReportsV1: true, DisableInstanceDiscovery: true}
	if p != want {
		t.Fatalf("custom = %+v\nwant     %+v", p, want)
	}
	if got := p.Azure().ActiveDirectoryAuthorityHost; got != "https://127.0.0.1:8443/" {
		t.Fatalf("authority host = %s", got)
	}
	bad := []struct {
		e   CustomEndpoints
		msg string
	}{
		{CustomEndpoints{Graph: "https://g"}, "endpoints.login is required"},
		{CustomEndpoints{Login: "ftp://x", Graph: "https://g"}, "not an absolute http(s) URL"},
		{CustomEndpoints{Login: "http://proxy.corp", Graph: "https://g"}, "plain http is allowed only on loopback"},
		{CustomEndpoints{Login: "https://l?x=1", Graph: "https://g"}, "must not carry a query"},
		{CustomEndpoints{Login: "https://l", Graph: "https://g", GraphScope: "https://graph.microsoft.com"}, "must be a resource followed by /.default"},
	}
	for _, b := range bad {
		if _, err := NewCustom(b.e); err == nil || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("NewCustom(%+v) = %v, want %q", b.e, err, b.msg)
		}
	}
	if _, err := NewCustom(CustomEndpoints{Login: "http://localhost:8080", Graph: "http://127.0.0.1:8080"}); err != nil {
		t.Fatalf("loopback http refused: %v", err)
	}
}
