package cli

import "github.com/spf13/cobra"

// commands lists the subcommands under the root, in help order. A new
// command is a file in this package with a func(*App) *cobra.Command,
// added here.
func commands() []func(*App) *cobra.Command {
	return []func(*App) *cobra.Command{
		newCheckCommand,
		newSyncCommand,
		newRunsCommand,
		newUsersCommand,
		newGroupsCommand,
		newRolesCommand,
		newDevicesCommand,
		newAppsCommand,
		newGrantsCommand,
		newLicensesCommand,
		newReportCommand,
		newConfigCommand,
		newSimCommand,
		newDemoCommand,
		newVersionCommand,
	}
}
