import ArgumentParser
import Foundation
import TaskPilot

@main
struct TaskPilotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskpilot",
        abstract: "TaskPilot: the control plane for tasks executed by the Distributed Task Platform.",
        version: TaskPilotVersion.current,
        subcommands: [Serve.self, Migrate.self, DevScheduler.self, TasksCommand.self, EventsCommand.self]
    )

    /// ArgumentParser's own, but a usage error exits 2, as POSIX utilities do, not 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
