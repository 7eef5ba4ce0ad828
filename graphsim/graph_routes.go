package graphsim

// registerGraphRoutes registers every Microsoft Graph route the simulator
// serves, under /v1.0 and /beta.
func (s *Server) registerGraphRoutes() {
	s.registerUserRoutes()      // graph_users.go
	s.registerGroupRoutes()     // graph_groups.go: groups, members, memberOf
	s.registerDeltaRoutes()     // graph_delta.go: users and groups delta
	s.registerWriteRoutes()     // graph_writes.go: user, licence, membership, auth method writes
	s.registerBatchRoutes()     // graph_batch.go: $batch
	s.registerDirectoryRoutes() // graph_directory.go
	s.registerAppRoutes()       // graph_apps.go
	s.registerRoleRoutes()      // graph_roles.go
}
