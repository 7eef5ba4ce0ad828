package sync

import (
	"context"
	"encoding/json"
	"iter"

	"github.com/tenantscope/tenantscope/internal/msgraph"
)

// Graph is the slice of the Graph client the syncers use; *msgraph.Client
// implements it.
type Graph interface {
	Organization(ctx context.Context) (*msgraph.Organization, error)
	Domains(ctx context.Context) ([]msgraph.Domain, error)
	IdentityProviders(ctx context.Context) ([]msgraph.IdentityProvider, error)
	Users(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.User, error]
	UsersDelta(ctx context.Context, link string, sel []string, fn func(msgraph.DeltaPage[msgraph.User]) error) (string, error)
	Groups(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.Group, error]
	GroupsDelta(ctx context.Context, link string, sel []string, fn func(msgraph.DeltaPage[msgraph.Group]) error) (string, error)
	SubscribedSKUs(ctx context.Context) ([]msgraph.SubscribedSKU, error)
	CompanySubscriptions(ctx context.Context) ([]msgraph.CompanySubscription, error)
	RoleDefinitions(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.RoleDefinition, error]
	RoleAssignments(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.RoleAssignment, error]
	RoleEligibilitySchedules(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.RoleEligibilitySchedule, error]
	RoleAssignmentSchedules(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.RoleAssignmentSchedule, error]
	ServicePrincipals(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.ServicePrincipal, error]
	Applications(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.Application, error]
	OAuth2PermissionGrants(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.OAuth2PermissionGrant, error]
	ManagedDevices(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.ManagedDevice, error]
	Batch(ctx context.Context, reqs []msgraph.BatchRequest) ([]msgraph.BatchResponse, error)
	CollectBatched(ctx context.Context, reqs []msgraph.BatchRequest, fn func(id string, item json.RawMessage) error) error
	Stats() msgraph.Stats
}

var _ Graph = (*msgraph.Client)(nil)
