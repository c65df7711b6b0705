import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import TaskPilot
import Testing

/// Replicas on one PostgreSQL database behave as one TaskPilot: two applications in this
/// process on the same database, each with its own HTTP server, pools and services.
@Suite(.enabled(if: TestDatabase.isPostgres, "replicas share a PostgreSQL database; SQLite has one process per file"))
struct ReplicaTests {
    let folder = TemporaryFolder()

    @Test func concurrentBindsThroughTwoReplicasCreateOneSchedulerTask() async throws {
        // A slow create keeps every bind waiting on the first one's lock.
        let fake = FakeScheduler(createDelay: .milliseconds(200))
        try await withScheduler(fake.application()) { url, _ in
            let configuration = testConfiguration(database: folder.path("binds.sqlite"), schedulerURL: url)
            try await withTaskPilot(configuration) { first in
                try await withTaskPilot(configuration) { second in
                    let id = try await first.createTask()
                    let answers = try await withThrowingTaskGroup(of: Int64?.self) { group in
                        for index in 0..<16 {
                            let client = index.isMultiple(of: 2) ? first : second
                            group.addTask { try await client.send(.post, "/api/tasks/\(id)/scheduler").object[int: "schedulerTaskId"] }
                        }
                        return try await group.reduce(into: [Int64?]()) { $0.append($1) }
                    }
                    #expect(fake.creates == 1)
                    #expect(Set(answers).count == 1 && answers.first! != nil, "every bind answered the one DTP task")
                }
            }
        }
    }

    @Test func aTaskCancelledOnOneReplicaCannotBeBoundOnAnother() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            let configuration = testConfiguration(database: folder.path("cancel.sqlite"), schedulerURL: url)
            try await withTaskPilot(configuration) { first in
                try await withTaskPilot(configuration) { second in
                    let id = try await first.createTask()
                    #expect(try await first.send(.put, "/api/tasks/\(id)/cancel").status == .ok)
                    let bind = try await second.send(.post, "/api/tasks/\(id)/scheduler")
                    #expect(bind.status == .conflict)
                    #expect(fake.creates == 0)
                }
            }
        }
    }

    @Test func aStreamOnOneReplicaSeesChangesMadeThroughAnother() async throws {
        let configuration = testConfiguration(database: folder.path("stream.sqlite"))
        try await withTaskPilot(configuration) { first in
            try await withTaskPilot(configuration) { second in
                let port = first.port
                async let stream = readEventStream(port: port, timeout: .seconds(10)) { events, _ in events.count >= 3 }
                try await Task.sleep(for: .milliseconds(300))
                let a = try await second.createTask()
                let b = try await first.createTask()
                let c = try await second.createTask()
                let (_, events, _, _) = try await stream
                #expect(events.map { $0.object[int: "webTaskId"] } == [a, b, c], "in id order, from both replicas")
                let ids = events.compactMap(\.id)
                #expect(ids == ids.sorted())
                // Resuming on the other replica delivers the same events.
                let resumed = try await readEventStream(port: second.port, headers: [("Last-Event-ID", "0")]) { events, _ in events.count >= 3 }
                #expect(resumed.events.compactMap(\.id) == ids)
            }
        }
    }

    @Test func oneReplicaWatchesAndAnotherTakesOverWhenItStops() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            let configuration = {
                var configuration = testConfiguration(database: folder.path("watch.sqlite"), schedulerURL: url, watch: true)
                configuration.watchMinIntervalMilliseconds = 50
                configuration.watchMaxIntervalMilliseconds = 100
                return configuration
            }()
            let firstLog = CapturedLog()
            let secondLog = CapturedLog()
            @Sendable func leading(_ log: CapturedLog) -> Bool { log.all.contains { $0.message == "leading the watcher" } }
            try await withTaskPilot(configuration, logger: secondLog.logger()) { second in
                let id = try await withTaskPilot(configuration, logger: firstLog.logger()) { first in
                    #expect(try await eventually { leading(firstLog) || leading(secondLog) })
                    #expect(!(leading(firstLog) && leading(secondLog)), "one leader at a time")
                    let id = try await first.createTask()
                    #expect(try await first.send(.post, "/api/tasks/\(id)/scheduler").status == .ok)
                    fake.setStatus(1, "PROCESSING")
                    #expect(try await eventually(timeout: .seconds(10)) {
                        (try await second.send(.get, "/api/tasks/\(id)").object["execution"] as? [String: Any])?["status"] as? String == "PROCESSING"
                    }, "observed by whichever replica leads, seen through the other")
                    return id
                }
                // The first replica stopped: if it led, the second takes over within seconds.
                #expect(try await eventually(timeout: .seconds(10)) { leading(secondLog) })
                fake.setStatus(1, "SUCCEEDED")
                #expect(try await eventually(timeout: .seconds(15)) {
                    (try await second.send(.get, "/api/tasks/\(id)").object["execution"] as? [String: Any])?["status"] as? String == "SUCCEEDED"
                }, "observations keep arriving")
            }
        }
    }
}

/// PostgreSQL lost under TaskPilot: a 503 that names storage or a served request, never a
/// 500, and TaskPilot reconnects by itself when the server takes connections again.
@Suite(.enabled(if: TestDatabase.isPostgres, "needs the PostgreSQL server of TASKPILOT_TEST_DB_URL"))
struct PostgresOutageTests {
    let folder = TemporaryFolder()

    @Test func anOutageAnswers503NamingStorageAndTaskPilotReconnects() async throws {
        let path = folder.path("outage.sqlite")
        var configuration = testConfiguration(database: path)
        configuration.databaseTimeoutMilliseconds = 500
        try await withTaskPilot(configuration) { client in
            let id = try await client.createTask()
            let database = TestDatabase.name(for: path)
            // The database refuses new connections and loses those it had: a server going away.
            _ = try await TestDatabase.server("ALTER DATABASE \(database) ALLOW_CONNECTIONS false")
            _ = try await TestDatabase.server("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
            let read = try await client.send(.get, "/api/tasks/\(id)")
            #expect(read.status == .serviceUnavailable)
            #expect((read.object["message"] as? String)?.hasPrefix("Storage is unavailable: PostgreSQL at postgres://") == true)
            let created = try await client.send(.post, "/api/tasks", json: #"{"type":"demo"}"#)
            #expect(created.status == .serviceUnavailable)
            let ready = try await client.send(.get, "/api/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.object["database"] as? String == "unavailable")
            #expect(try await client.send(.get, "/api/health").status == .ok, "alive: the process is fine and will reconnect")

            _ = try await TestDatabase.server("ALTER DATABASE \(database) ALLOW_CONNECTIONS true")
            #expect(try await eventually(timeout: .seconds(30)) {
                try await client.send(.get, "/api/tasks/\(id)").status == .ok
            }, "reconnected by itself")
            let again = try await client.send(.post, "/api/tasks", json: #"{"type":"demo"}"#)
            #expect(again.status == .created)
            #expect(try await client.send(.get, "/api/ready").status == .ok)
        }
    }
}
