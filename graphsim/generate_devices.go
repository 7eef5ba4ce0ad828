package graphsim

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// Well-known authentication method ids: Entra ID uses fixed ids for the
// password, mobile phone and email methods (Microsoft Graph docs,
// passwordAuthenticationMethod, phoneAuthenticationMethod,
// emailAuthenticationMethod).
const (
	passwordMethodID = "28c10230-6103-485e-b985-444c60001490"
	mobilePhoneID    = "3179e48a-750b-4051-897c-87b9720928f7"
	emailMethodID    = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f"
)

// authMethods registers authentication methods: every member account has a
// password; most employees added Microsoft Authenticator or a phone, some
// Windows Hello or a FIDO2 key; about a fifth have nothing but a password.
func (g *gen) authMethods() error {
	r := g.rng("authentication methods")
	t := g.t
	for i, u := range t.Users {
		if g.ukind[i] == userGuest {
			continue // guests authenticate in their home tenant
		}
		created := u.CreatedDateTime
		at := func() string {
			return randomTimeBetween(r, created, t.Now).Format(time.RFC3339)
		}
		ms := []AuthMethod{{ODataType: "#microsoft.graph.passwordAuthenticationMethod", ID: passwordMethodID}}
		if g.ukind[i] == userPerson && !chance(r, 0.2) {
			if chance(r, 0.75) {
				ms = append(ms, AuthMethod{ODataType: "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod", ID: newGUID(r),
					Properties: map[string]string{"displayName": pick(r, []string{"iPhone 15", "iPhone 14", "Pixel 8", "SM-S918B", "iPhone 13"}),
						"deviceTag": "SoftwareTokenActivated", "phoneAppVersion": pick(r, []string{"6.8.14", "6.8.12", "6.2409.6094"}), "createdDateTime": at()}})
			}
			if chance(r, 0.4) || len(ms) == 1 {
				phone := u.MobilePhone
				if phone == "" {
					phone = "+1 4255550" + strconv.Itoa(100+r.IntN(900))
				}
				ms = append(ms, AuthMethod{ODataType: "#microsoft.graph.phoneAuthenticationMethod", ID: mobilePhoneID,
					Properties: map[string]string{"phoneNumber": phone, "phoneType": "mobile", "smsSignInState": "notAllowedByPolicy"}})
			}
			if chance(r, 0.25) {
				ms = append(ms, AuthMethod{ODataType: "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod", ID: newGUID(r),
					Properties: map[string]string{"displayName": u.GivenName + "'s " + pick(r, []string{"Surface Laptop", "Latitude 7440", "ThinkPad T14"}), "keyStrength": "normal", "createdDateTime": at()}})
			}
			if chance(r, 0.05) {
				// AAGUID of the YubiKey 5 NFC (FIDO Alliance metadata service).
				ms = append(ms, AuthMethod{ODataType: "#microsoft.graph.fido2AuthenticationMethod", ID: fido2ID(r),
					Properties: map[string]string{"displayName": "YubiKey", "model": "YubiKey 5 NFC", "aaGuid": "2fc0579f-8113-47ea-b116-555a8db9202a", "attestationLevel": "attested", "createdDateTime": at()}})
			}
			if chance(r, 0.03) {
				ms = append(ms, AuthMethod{ODataType: "#microsoft.graph.softwareOathAuthenticationMethod", ID: newGUID(r)})
			}
			if chance(r, 0.05) {
				ms = append(ms, AuthMethod{ODataType: "#microsoft.graph.emailAuthenticationMethod", ID: emailMethodID,
					Properties: map[string]string{"emailAddress": domainLabel(u.GivenName) + "." + domainLabel(u.Surname) + "@outlook.com"}})
			}
		}
		u.AuthMethods = ms
	}
	return nil
}

// fido2ID draws an id in the URL-safe base64 form FIDO2 method ids have.
func fido2ID(r *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 23)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// deviceModel is a make and model an operating system runs on.
type deviceModel struct{ os, version, manufacturer, model, kind string }

var deviceModels = [...]deviceModel{
	{"Windows", "10.0.22631.4317", "Microsoft Corporation", "Surface Laptop 5", "LAPTOP"},
	{"Windows", "10.0.26100.2033", "Dell Inc.", "Latitude 7440", "LAPTOP"},
	{"Windows", "10.0.22631.4317", "LENOVO", "ThinkPad T14 Gen 4", "LAPTOP"},
	{"Windows", "10.0.19045.5011", "HP", "HP EliteDesk 800 G6", "DESKTOP"},
	{"iOS", "17.6.1", "Apple", "iPhone 15", "iPhone"},
	{"iOS", "18.0.1", "Apple", "iPhone 14", "iPhone"},
	{"Android", "14", "Google", "Pixel 8", "Pixel"},
	{"Android", "14", "samsung", "SM-S918B", "Galaxy"},
	{"macOS", "14.6.1", "Apple", "MacBookPro18,3", "MacBook Pro"},
	{"Linux", "22.04", "Dell Inc.", "XPS 13 9315", "ubuntu"},
}

// devices enrols Profile.Devices devices in Intune, each with its Entra ID
// device object, mostly with an employee as primary user.
func (g *gen) devices() error {
	r := g.rng("devices")
	t := g.t
	n := g.p.Devices
	t.ManagedDevices = make([]*ManagedDevice, 0, n)
	t.Devices = make([]*Device, 0, n)
	for k := 0; k < n; k++ {
		m := deviceModels[weighted(r, []int{16, 16, 14, 9, 10, 8, 6, 6, 12, 3})]
		var owner *User
		if len(g.people) > 0 && !(m.os == "Windows" && chance(r, 0.03)) {
			owner = t.Users[g.people[r.IntN(len(g.people))]]
		}
		md := &ManagedDevice{
			ID: newGUID(r), OperatingSystem: m.os, OSVersion: m.version, Manufacturer: m.manufacturer, Model: m.model,
			ManagementAgent: "mdm", ManagedDeviceOwnerType: "company", AzureADDeviceID: newGUID(r),
			SerialNumber: serialNumber(r), IsEncrypted: chance(r, 0.9),
		}
		since := t.Created
		if owner != nil {
			md.UserID, md.UserPrincipalName = owner.ID, owner.UserPrincipalName
			since = owner.CreatedDateTime
		}
		switch m.os {
		case "Windows":
			md.DeviceName = m.kind + "-" + serialNumber(r)[:7]
			if chance(r, 0.2) {
				md.ManagementAgent = "configurationManagerClientMdm" // co-managed
			}
		case "Linux":
			md.DeviceName = m.kind + "-" + strconv.Itoa(r.IntN(1000))
		default:
			if owner != nil {
				md.DeviceName = owner.GivenName + "'s " + m.kind
			} else {
				md.DeviceName = m.kind
			}
			if m.os != "macOS" && chance(r, 0.4) {
				md.ManagedDeviceOwnerType = "personal"
			}
		}
		md.ComplianceState = []string{"compliant", "noncompliant", "inGracePeriod", "unknown"}[weighted(r, []int{80, 12, 3, 5})]
		md.EnrolledDateTime = randomTimeBetween(r, maxTime(since, t.Now.AddDate(-4, 0, 0)), t.Now.Add(-24*time.Hour))
		if chance(r, 0.1) {
			md.LastSyncDateTime = randomTimeBetween(r, md.EnrolledDateTime, t.Now.AddDate(0, 0, -30)) // stale
		} else {
			md.LastSyncDateTime = randomTimeBetween(r, t.Now.AddDate(0, 0, -7), t.Now)
		}
		if md.LastSyncDateTime.Before(md.EnrolledDateTime) {
			md.LastSyncDateTime = md.EnrolledDateTime
		}
		t.ManagedDevices = append(t.ManagedDevices, md)

		d := &Device{
			ID: newGUID(r), DeviceID: md.AzureADDeviceID, DisplayName: md.DeviceName,
			OperatingSystem: m.os, OperatingSystemVersion: m.version, AccountEnabled: true,
			TrustType: "Workplace", IsCompliant: md.ComplianceState == "compliant", IsManaged: true,
			ApproximateLastSignInDateTime: md.LastSyncDateTime, CreatedDateTime: md.EnrolledDateTime,
		}
		if m.os == "Windows" {
			d.TrustType = "AzureAd"
			if owner != nil && owner.OnPremisesSyncEnabled != nil && chance(r, 0.6) {
				d.TrustType = "ServerAd" // hybrid joined
			}
		}
		if owner != nil {
			d.RegisteredOwnerID = owner.ID
		}
		t.Devices = append(t.Devices, d)
	}
	return nil
}

func serialNumber(r *rand.Rand) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	b := make([]byte, 10)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
