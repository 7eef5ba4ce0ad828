// Package conformance runs clients that tenantscope does not own against
// graphsim, to show the simulator is faithful enough that Microsoft's own
// SDKs work against it unchanged (issue 3, item 9). It has tests only.
package conformance
