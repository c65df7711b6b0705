import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TaskPilot
import Testing

/// `taskpilot tasks …` and `taskpilot events`, the built executable against a live TaskPilot
/// with the reference scheduler.
@Suite(.serialized) struct CLITests {
    let folder = TemporaryFolder()

    func cli(_ arguments: String..., server: String, token: String? = nil) async throws -> TaskPilotCLI.Result {
        var environment = ["TASKPILOT_SERVER": server]
        environment["TASKPILOT_TOKEN"] = token
        return try await TaskPilotCLI.run(arguments, environment: environment, folder: folder)
    }

    @Test func aSessionInJSONPrintsTheServersBodiesUnchanged() async throws {
        try await withScheduler(fastReferenceScheduler()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("json.sqlite"), schedulerURL: url)) { client in
                let server = "http://127.0.0.1:\(try #require(client.port))"
                let created = try await cli("tasks", "create", "--type", "demo", "--payload", "from \"the\" CLI", "--output", "json", server: server)
                #expect(created.code == 0 && created.stderr.isEmpty)
                let task = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
                let id = try #require(task[int: "id"])
                #expect(task["payload"] as? String == "from \"the\" CLI")
                let storedTask = try await client.send(.get, "/api/tasks/\(id)").text
                #expect(created.stdout == storedTask + "\n")

                let bound = try await cli("tasks", "bind", "\(id)", "--output", "json", server: server)
                #expect(bound.code == 0 && bound.stdout.contains(#""bindingOrigin":"CREATED""#))
                #expect(try await eventually {
                    try await client.send(.get, "/api/tasks/\(id)/execution").object["status"] as? String == "SUCCEEDED"
                })
                // The DTP's answer, byte for byte.
                let execution = try await cli("tasks", "execution", "\(id)", "--output", "json", server: server)
                let schedulerAnswer = try await client.send(.get, "/api/tasks/\(id)/execution").text
                #expect(execution.code == 0 && execution.stdout == schedulerAnswer + "\n")

                let refused = try await cli("tasks", "cancel-execution", "\(id)", "--output", "json", server: server)
                #expect(refused.code == 1)
                #expect(refused.stdout == #"{"message":"Cannot cancel task in state SUCCEEDED"}"# + "\n")
                #expect(refused.stderr == "taskpilot: 409 Conflict from the scheduler: Cannot cancel task in state SUCCEEDED\n")

                let commands = try await cli("tasks", "commands", "\(id)", "--output", "json", server: server)
                let commandLog = try await client.send(.get, "/api/tasks/\(id)/commands").text
                #expect(commands.code == 0 && commands.stdout == commandLog + "\n")

                // Piped output is json without being asked.
                let piped = try await cli("tasks", "get", "\(id)", server: server)
                let pipedTask = try await client.send(.get, "/api/tasks/\(id)").text
                #expect(piped.code == 0 && piped.stdout == pipedTask + "\n")

                _ = try await client.createTask()
                let pages = try await cli("tasks", "list", "--limit", "1", "--all", "--output", "json", server: server)
                let lines = pages.stdout.split(separator: "\n")
                #expect(pages.code == 0 && lines.count == 2)
                #expect(lines.allSatisfy { $0.hasPrefix(#"{"items":[{"id":"#) })
            }
        }
    }

    @Test func tablesForPeople() async throws {
        try await withScheduler(fastReferenceScheduler()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("table.sqlite"), schedulerURL: url)) { client in
                let server = "http://127.0.0.1:\(try #require(client.port))"
                let created = try await cli("tasks", "create", "--type", "demo", "--payload", "hello", "--output", "table", server: server)
                #expect(created.code == 0)
                let lines = created.stdout.split(separator: "\n").map(Self.squeezed)
                #expect(created.stdout.hasPrefix("id:        1\n"), "values aligned")
                #expect(lines.contains("type: demo") && lines.contains("payload: hello") && lines.contains("binding: not bound")
                    && lines.contains("execution: not observed"))

                let bound = try await cli("tasks", "bind", "1", "--output", "table", server: server)
                #expect(bound.code == 0 && Self.squeezed(bound.stdout).contains("binding: DTP task 1 (created)"))
                #expect(try await eventually {
                    try await client.send(.get, "/api/tasks/1/execution").object["status"] as? String == "SUCCEEDED"
                })
                _ = try await client.createTask(type: "other")

                let list = try await cli("tasks", "list", "--output", "table", server: server)
                let rows = list.stdout.split(separator: "\n").map(String.init)
                #expect(list.code == 0 && rows.count == 3)
                #expect(rows[0] == "ID  TYPE   STATUS   BINDING               EXECUTION")
                #expect(rows[1] == "2   other  PENDING  not bound             not observed")
                #expect(rows[2].hasPrefix("1   demo   PENDING  DTP task 1 (created)  SUCCEEDED · ") && rows[2].hasSuffix(" s ago"))

                let filtered = try await cli("tasks", "list", "--execution-status", "SUCCEEDED", "--type", "demo", "--bound", "true", "--output", "table", server: server)
                #expect(filtered.stdout.split(separator: "\n").count == 2)
                let none = try await cli("tasks", "list", "--status", "CANCELED", "--output", "table", server: server)
                #expect(none.code == 0 && none.stdout == "no tasks\n")
                let more = try await cli("tasks", "list", "--limit", "1", "--output", "table", server: server)
                #expect(more.stdout.split(separator: "\n").count == 2 && more.stderr == "taskpilot: more tasks follow; --all lists them all\n")

                let execution = try await cli("tasks", "execution", "1", "--output", "table", server: server)
                #expect(execution.code == 0 && execution.stdout.hasPrefix("id:") && Self.squeezed(execution.stdout).contains("status: SUCCEEDED"))
                let commands = try await cli("tasks", "commands", "1", "--output", "table", server: server)
                let commandRows = commands.stdout.split(separator: "\n")
                #expect(commandRows.count == 2 && commandRows[0].hasPrefix("ID  COMMAND  DTP TASK  STARTED") && commandRows[1].contains("CREATE"))
                let canceled = try await cli("tasks", "cancel", "2", "--output", "table", server: server)
                #expect(canceled.code == 0 && Self.squeezed(canceled.stdout).contains("status: CANCELED"))
            }
        }
    }

    /// Runs of spaces as one: field tables align their values to the longest name.
    static func squeezed<S: StringProtocol>(_ text: S) -> String {
        text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    @Test func exitCodesSayWhatWentWrong() async throws {
        var configuration = testConfiguration(database: folder.path("codes.sqlite"))
        configuration.apiTokens = ["cli-token"]
        try await withTaskPilot(configuration) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            // 1: an error answer, the server's message and status on stderr.
            let noToken = try await cli("tasks", "list", server: server)
            #expect(noToken.code == 1 && noToken.stderr == "taskpilot: 401 Unauthorized: Authorization: Bearer <token> is required\n")
            let missing = try await cli("tasks", "get", "42", "--output", "table", server: server, token: "cli-token")
            #expect(missing.code == 1 && missing.stdout.isEmpty && missing.stderr == "taskpilot: 404 Not Found: Task 42 not found\n")
            let blank = try await cli("tasks", "create", "--type", " ", server: server, token: "cli-token")
            #expect(blank.code == 1 && blank.stderr == "taskpilot: 400 Bad Request: type must not be blank\n")
            let ok = try await cli("tasks", "create", "--type", "demo", server: server, token: "cli-token")
            #expect(ok.code == 0)

            // 2: usage, before anything is sent.
            for arguments in [["tasks", "get", "abc"], ["tasks", "get", "0"], ["tasks", "frobnicate"], ["tasks", "list", "--bound", "maybe"],
                              ["tasks", "create"], ["tasks", "get", "1", "--output", "yaml"], ["tasks", "get", "1", "--server", "ftp://host"],
                              ["events", "--task", "-1"]] {
                let result = try await TaskPilotCLI.run(arguments, environment: ["TASKPILOT_SERVER": server], folder: folder)
                #expect(result.code == 2, "\(arguments)")
                #expect(result.stdout.isEmpty && result.stderr.hasPrefix("Error: "), "\(arguments): \(result.stderr)")
            }
        }
        // 3: nothing listens, one line naming the URL.
        let refusing = try await refusingSchedulerURL()
        let unreachable = try await cli("tasks", "list", server: refusing)
        #expect(unreachable.code == 3 && unreachable.stderr == "taskpilot: cannot reach TaskPilot at \(refusing): Connection refused\n")
        let events = try await cli("events", server: refusing)
        #expect(events.code == 3 && events.stderr == "taskpilot: cannot reach TaskPilot at \(refusing): Connection refused\n")
    }

    @Test func characterSplitBetweenReadsArrivesWhole() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("utf8.sqlite"))) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            // 72 KiB of two-, three- and four-byte characters: the stream arrives in several reads.
            _ = try await client.createTask(type: "utf8", payload: String(repeating: "é€😀", count: 8000))
            let (process, stdout, _) = try TaskPilotCLI.start(["events", "--after", "0", "--output", "json"], environment: ["TASKPILOT_SERVER": server], folder: folder)
            defer { process.terminate() }
            #expect(try await eventually { (try? String(contentsOf: stdout, encoding: .utf8))?.hasSuffix("\n") == true })
            let line = try #require(try String(contentsOf: stdout, encoding: .utf8).split(separator: "\n").first)
            let page = try await client.send(.get, "/api/events?after=0", headers: [.accept: "application/json"])
            #expect(page.text.contains(String(line)) && !line.contains("\u{FFFD}"))
        }
    }

    @Test func aClosedPipeIsNotACrash() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("pipe.sqlite"))) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            _ = try await client.createTask()
            for (arguments, code) in [(["tasks", "list", "--output", "json"], Int32(0)), (["tasks", "get", "42", "--output", "json"], 1)] {
                let process = Process()
                process.executableURL = TaskPilotCLI.binary
                process.arguments = arguments
                process.environment = ["TASKPILOT_SERVER": server]
                let pipe = Pipe()
                try pipe.fileHandleForReading.close()
                process.standardOutput = pipe
                process.standardError = FileHandle.nullDevice
                let (exited, exit) = AsyncStream<Void>.makeStream()
                process.terminationHandler = { _ in exit.finish() }
                try TaskPilotCLI.launching.withLock { try process.run() }
                for await _ in exited {}
                #expect(process.terminationReason == .exit && process.terminationStatus == code, "\(arguments)")
            }
        }
    }

    @Test func eventsFollowTheFeedOneLineAnEvent() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("events.sqlite"))) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            let first = try await client.createTask(type: "first")
            for (output, expected) in [("json", "{\"id\":"), ("table", "1  task.created  task \(first)  ")] {
                let (process, stdout, stderr) = try TaskPilotCLI.start(["events", "--after", "0", "--output", output], environment: ["TASKPILOT_SERVER": server], folder: folder)
                defer { process.terminate() }
                // From the first event on: the task created above, then any the earlier turn made.
                #expect(try await eventually { (try? String(contentsOf: stdout, encoding: .utf8))?.isEmpty == false },
                        "\((try? String(contentsOf: stderr, encoding: .utf8)) ?? "")")
                let line = try #require(try String(contentsOf: stdout, encoding: .utf8).split(separator: "\n").first)
                #expect(line.hasPrefix(expected), "\(output): \(line)")
                if output == "json" {
                    let page = try await client.send(.get, "/api/events?after=0", headers: [.accept: "application/json"])
                    #expect(page.text.contains(String(line)), "the event's data as the server sent it")
                }
                // A change made now arrives while the command follows the stream.
                let next = try await client.createTask(type: "next-\(output)")
                #expect(try await eventually {
                    (try? String(contentsOf: stdout, encoding: .utf8))?.contains(output == "json" ? "\"webTaskId\":\(next)" : "task \(next)") == true
                })
                #expect(process.isRunning)
            }
        }
    }
}
