import ArgumentParser
import TaskPilot

@main
struct TaskPilotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskpilot",
        abstract: "TaskPilot: the control plane for tasks executed by the Distributed Task Platform.",
        version: TaskPilotVersion.current,
        subcommands: [Serve.self, Migrate.self, DevScheduler.self]
    )
}
