import ArgumentParser
import Foundation

/// `taskpilot tasks …`: the web task API from the command line.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "Create, list, bind and cancel web tasks on a TaskPilot server.",
        discussion: "The token comes from TASKPILOT_TOKEN. Exit codes: 0 success, 1 an error answer, 2 usage, 3 the server cannot be reached.",
        subcommands: [
            Create.self, Get.self, List.self, Cancel.self, Bind.self, Execution.self, CancelExecution.self, Commands.self,
        ]
    )

    /// A web task id argument, checked before anything is sent.
    struct TaskId: ParsableArguments {
        @Argument(help: "The web task's id.")
        var id: Int64

        func validate() throws {
            guard id > 0 else { throw ValidationError("a task id is a positive integer, not \(id)") }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a web task.")
        @Option(help: "The task's type.") var type: String
        @Option(help: "The task's payload. (default: empty)") var payload = ""
        @OptionGroup var client: ClientOptions

        func run() async throws {
            struct NewTask: Encodable { let type: String, payload: String }
            let json = String(decoding: try JSONEncoder().encode(NewTask(type: type, payload: payload)), as: UTF8.self)
            try await client.call(.POST, "/api/tasks", json: json) { ClientTable.taskFields($0.object) }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a web task.")
        @OptionGroup var task: TaskId
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await client.call(.GET, "/api/tasks/\(task.id)") { ClientTable.taskFields($0.object) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List web tasks, newest first.")
        @Option(help: "PENDING or CANCELED.") var status: String?
        @Option(help: "true: bound tasks only; false: unbound only.") var bound: Bool?
        @Option(help: "Comma-separated DTP statuses of the observed execution; NONE: never observed.") var executionStatus: String?
        @Option(help: "Tasks of exactly this type.") var type: String?
        @Option(help: "Tasks per page. (default: the server's, 50)") var limit: Int?
        @Flag(help: "Follow the pages to the last one.") var all = false
        @OptionGroup var client: ClientOptions

        func run() async throws {
            var parameters: [URLQueryItem] = []
            if let status { parameters.append(.init(name: "status", value: status)) }
            if let bound { parameters.append(.init(name: "bound", value: String(bound))) }
            if let executionStatus { parameters.append(.init(name: "executionStatus", value: executionStatus)) }
            if let type { parameters.append(.init(name: "type", value: type)) }
            if let limit { parameters.append(.init(name: "limit", value: String(limit))) }
            try await client.withClient { api in
                var rows: [[String]] = []
                var cursor: String?
                repeat {
                    var components = URLComponents()
                    components.queryItems = parameters + (cursor.map { [URLQueryItem(name: "cursor", value: $0)] } ?? [])
                    let answer = await api.send(.GET, "/api/tasks" + (components.percentEncodedQuery.map { "?" + Self.plusEncoded($0) } ?? ""))
                    // With --all in json, one body a line: each page as the server wrote it.
                    api.show(answer, table: nil)
                    let page = answer.object
                    rows += (page["items"] as? [[String: Any]] ?? []).map(ClientTable.taskRow)
                    cursor = page["nextCursor"] as? String
                } while all && cursor != nil
                if api.output == .table {
                    print(rows.isEmpty ? "no tasks" : ClientTable.render(ClientTable.taskHeader, rows))
                    if cursor != nil {
                        FileHandle.standardError.write(Data("taskpilot: more tasks follow; --all lists them all\n".utf8))
                    }
                }
            }
        }

        /// URLComponents leaves `+` as is, which a server reads as a space.
        static func plusEncoded(_ query: String) -> String {
            query.replacingOccurrences(of: "+", with: "%2B")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a pending web task (TaskPilot's record; the DTP is not asked).")
        @OptionGroup var task: TaskId
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await client.call(.PUT, "/api/tasks/\(task.id)/cancel") { ClientTable.taskFields($0.object) }
        }
    }

    struct Bind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bind a web task: create its DTP task, or attach to an existing one.")
        @OptionGroup var task: TaskId
        @Option(help: "Attach to this DTP task instead of creating one.") var schedulerTaskId: Int64?
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let body = schedulerTaskId.map { #"{"schedulerTaskId":\#($0)}"# }
            try await client.call(.POST, "/api/tasks/\(task.id)/scheduler", json: body) { ClientTable.taskFields($0.object) }
        }
    }

    struct Execution: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask the DTP for the bound execution; its answer is shown as it came.")
        @OptionGroup var task: TaskId
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await client.call(.GET, "/api/tasks/\(task.id)/execution") { ClientTable.schedulerTask($0.object) }
        }
    }

    struct CancelExecution: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask the DTP to cancel the bound execution; its answer is shown as it came.")
        @OptionGroup var task: TaskId
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await client.call(.PUT, "/api/tasks/\(task.id)/execution/cancel") { ClientTable.schedulerTask($0.object) }
        }
    }

    struct Commands: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the commands sent to the DTP for a web task, newest first.")
        @OptionGroup var task: TaskId
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await client.call(.GET, "/api/tasks/\(task.id)/commands") { answer in
                let items = answer.object["items"] as? [[String: Any]] ?? []
                return items.isEmpty ? "no commands" : ClientTable.render(ClientTable.commandHeader, items.map(ClientTable.commandRow))
            }
        }
    }
}
