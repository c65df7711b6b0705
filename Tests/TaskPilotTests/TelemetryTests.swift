import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import SQLiteDB
import TaskPilot
import Testing

/// What an operator sees: metrics, request ids and trace context, access and failure logs,
/// readiness, and the drain before a shutdown.
@Suite struct TelemetryTests {
    let folder = TemporaryFolder()

    @Test func metricsCountAKnownSequenceByRouteTemplateAndOutcome() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            let configuration = testConfiguration(database: folder.path("metrics.sqlite"), schedulerURL: url, timeoutMilliseconds: 300)
            try await withTaskPilot(configuration) { client in
                let first = try await client.createTask()
                _ = try await client.createTask()
                #expect(try await client.send(.post, "/api/tasks/\(first)/scheduler").status == .ok)
                #expect(try await client.send(.get, "/api/tasks/\(first)/execution").status == .ok)
                #expect(try await client.send(.get, "/api/tasks/\(first)").status == .ok)
                #expect(try await client.send(.get, "/api/tasks/999").status == .notFound)
                #expect(try await client.send(.get, "/no/such/path").status == .notFound)
                fake.fault = .hang
                #expect(try await client.send(.get, "/api/tasks/\(first)/execution").status == .gatewayTimeout)
                fake.fault = nil

                let response = try await client.send(.get, "/metrics")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let metrics = PrometheusText(response.text)
                #expect(metrics.value("taskpilot_http_requests_total", ["route": "/api/tasks", "method": "POST", "status": "201"]) == 2)
                #expect(metrics.value("taskpilot_http_requests_total", ["route": "/api/tasks/{id}", "method": "GET", "status": "200"]) == 1)
                #expect(metrics.value("taskpilot_http_requests_total", ["route": "/api/tasks/{id}", "method": "GET", "status": "404"]) == 1)
                #expect(metrics.value("taskpilot_http_requests_total", ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
                #expect(metrics.value("taskpilot_http_requests_total", ["route": "/api/tasks/{id}/execution", "method": "GET", "status": "504"]) == 1)
                #expect(metrics.value("taskpilot_http_request_duration_seconds_count", ["route": "/api/tasks", "method": "POST"]) == 2)
                #expect(metrics.value("taskpilot_scheduler_calls_total", ["kind": "create", "outcome": "201"]) == 1)
                #expect(metrics.value("taskpilot_scheduler_calls_total", ["kind": "get", "outcome": "200"]) == 1)
                #expect(metrics.value("taskpilot_scheduler_calls_total", ["kind": "get", "outcome": "timeout"]) == 1)
                let timeoutSeconds = try #require(metrics.value("taskpilot_scheduler_call_duration_seconds_sum", ["kind": "get", "outcome": "timeout"]))
                #expect(timeoutSeconds >= 0.3, "a timed-out call is timed up to its timeout")
                #expect(metrics.value("taskpilot_scheduler_calls_in_flight", ["pool": "requests"]) == 0)
                #expect(metrics.value("taskpilot_scheduler_calls_queued", ["pool": "requests"]) == 0)
                // The SQLite writer's group commits and file; PostgreSQL has neither.
                if !TestDatabase.isPostgres {
                    #expect((metrics.value("taskpilot_db_commit_writes_count") ?? 0) >= 3)
                    #expect((metrics.value("taskpilot_db_commit_duration_seconds_count") ?? 0) >= 3)
                    #expect((metrics.value("taskpilot_db_file_bytes", ["file": "main"]) ?? 0) > 0)
                }
                #expect(metrics.value("taskpilot_events_subscribers") == 0)
                // Two creates, the bind and its first observation.
                #expect((metrics.value("taskpilot_events_written_total") ?? 0) >= 4)
                #expect(!response.text.contains("/api/tasks/\(first)"), "no raw path is a label value")
            }
        }
    }

    @Test func theWatchersPollsAndBacklogAreMetrics() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            var configuration = testConfiguration(database: folder.path("watch-metrics.sqlite"), schedulerURL: url, watch: true)
            configuration.watchMinIntervalMilliseconds = 20
            configuration.watchMaxIntervalMilliseconds = 40
            try await withTaskPilot(configuration) { client in
                let id = try await client.createTask()
                #expect(try await client.send(.post, "/api/tasks/\(id)/scheduler").status == .ok)
                #expect(try await eventually {
                    let metrics = PrometheusText(try await client.send(.get, "/metrics").text)
                    return (metrics.value("taskpilot_scheduler_calls_total", ["kind": "watch", "outcome": "200"]) ?? 0) >= 2
                })
                let metrics = PrometheusText(try await client.send(.get, "/metrics").text)
                #expect(metrics.value("taskpilot_watch_executions") == 1)
                #expect(metrics.value("taskpilot_watch_backlog") != nil)
                #expect((metrics.value("taskpilot_watch_oldest_observation_age_seconds") ?? 99) < 5)
                #expect(metrics.value("taskpilot_scheduler_calls_in_flight", ["pool": "watcher"]) != nil)
                #expect(metrics.value("taskpilot_scheduler_calls_total", ["kind": "get", "outcome": "200"]) == nil, "polls are not user queries")
            }
        }
    }

    @Test func aRefusedCallIsCountedLoggedWithTheRequestIdAndReportedByReadiness() async throws {
        let log = CapturedLog()
        let refusing = try await refusingSchedulerURL()
        let configuration = testConfiguration(database: folder.path("refused.sqlite"), schedulerURL: refusing)
        try await withTaskPilot(configuration, logger: log.logger()) { client in
            let ready = try await client.send(.get, "/api/ready")
            #expect(ready.status == .ok)
            #expect((ready.object["scheduler"] as? [String: Any])?["status"] as? String == "unknown")

            let id = try await client.createTask()
            let bind = try await client.send(.post, "/api/tasks/\(id)/scheduler", headers: [.requestId: "bind-refused-1"])
            #expect(bind.status == .badGateway)
            #expect(bind.headers[.requestId] == "bind-refused-1")

            let warning = try #require(log.all.first { $0.level == .warning && $0.message.hasPrefix("scheduler call failed") })
            #expect(warning.metadata["request.id"] == "bind-refused-1")
            #expect(warning.metadata["scheduler.call"] == "POST /tasks")
            #expect(warning.message.contains("Scheduler at \(refusing) is unreachable"))

            let metrics = PrometheusText(try await client.send(.get, "/metrics").text)
            #expect(metrics.value("taskpilot_scheduler_calls_total", ["kind": "create", "outcome": "refused"]) == 1)

            // The DTP is away: reported, yet TaskPilot stays ready, and creates still work.
            let after = try await client.send(.get, "/api/ready")
            #expect(after.status == .ok)
            #expect(after.object["status"] as? String == "READY")
            let scheduler = try #require(after.object["scheduler"] as? [String: Any])
            #expect(scheduler["status"] as? String == "unreachable")
            #expect((scheduler["lastError"] as? String)?.contains("unreachable") == true)
            #expect(scheduler["lastErrorAt"] is String)
            #expect(try await client.send(.post, "/api/tasks", json: #"{"type":"demo"}"#).status == .created)
        }
    }

    @Test func requestIdsAreEchoedMadeOrReplacedAndReachTheSchedulerAndTheCommandLog() async throws {
        let fake = FakeScheduler()
        let database = folder.path("ids.sqlite")
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: database, schedulerURL: url)) { client in
                let echoed = try await client.send(.get, "/api/health", headers: [.requestId: "client-id_42:x"])
                #expect(echoed.headers[.requestId] == "client-id_42:x")

                let made = try #require(try await client.send(.get, "/api/health").headers[.requestId])
                #expect(made.count == 32 && made.allSatisfy(\.isHexDigit))
                let another = try await client.send(.get, "/api/health").headers[.requestId]
                #expect(another != made)

                for insane in [String(repeating: "a", count: 129), "has space", "tab\there", "ünïcode", ""] {
                    let answer = try await client.send(.get, "/api/health", headers: [.requestId: insane])
                    let replaced = try #require(answer.headers[.requestId])
                    #expect(replaced != insane && replaced.count == 32, "\(insane.prefix(20)) is replaced")
                }
                #expect(try await client.send(.get, "/api/health", headers: [.requestId: String(repeating: "b", count: 128)])
                    .headers[.requestId] == String(repeating: "b", count: 128))

                let id = try await client.createTask()
                let bind = try await client.send(.post, "/api/tasks/\(id)/scheduler", headers: [.requestId: "bind-7"])
                #expect(bind.status == .ok)
                let cancel = try await client.send(.put, "/api/tasks/\(id)/execution/cancel", headers: [.requestId: "cancel-7"])
                #expect(cancel.status == .ok)
                let received = fake.received
                #expect(received.first { $0.path == "/tasks" }?.requestId == "bind-7")
                #expect(received.first { $0.path.hasSuffix("/cancel") }?.requestId == "cancel-7")
            }
        }
        let logged = try await TestDatabase.rows(database, "SELECT command, request_id FROM scheduler_commands ORDER BY id")
        #expect(logged == [["CREATE", "bind-7"], ["CANCEL", "cancel-7"]])
    }

    @Test func traceContextIsContinuedOnTheSchedulerCallOrStarted() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("trace.sqlite"), schedulerURL: url)) { client in
                let id = try await client.createTask()
                #expect(try await client.send(.post, "/api/tasks/\(id)/scheduler").status == .ok)
                let traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
                let incoming = "00-\(traceId)-00f067aa0ba902b7-01"
                let answer = try await client.send(.get, "/api/tasks/\(id)/execution", headers: [
                    HTTPField.Name("traceparent")!: incoming, HTTPField.Name("tracestate")!: "vendor=abc",
                ])
                #expect(answer.status == .ok)
                let upstream = try #require(answer.headers[HTTPField.Name("TaskPilot-Upstream-Duration")!])
                #expect(Int(upstream) != nil)

                let received = fake.received
                let started = try #require(received.first?.traceParent, "a trace is started when none came")
                #expect(RequestTraceFields(started) != nil)
                #expect(RequestTraceFields(started)?.traceId != traceId)

                let continued = try #require(received.last?.traceParent)
                let fields = try #require(RequestTraceFields(continued))
                #expect(fields.traceId == traceId, "same trace")
                #expect(fields.parentId != "00f067aa0ba902b7", "a new span for the DTP call")
                #expect(fields.flags == "01")
                #expect(received.last?.traceState == "vendor=abc")

                // A malformed traceparent starts a new trace rather than continuing garbage.
                _ = try await client.send(.get, "/api/tasks/\(id)/execution", headers: [HTTPField.Name("traceparent")!: "00-zz-yy-01"])
                #expect(RequestTraceFields(try #require(fake.received.last?.traceParent)) != nil)
            }
        }
    }

    @Test func oneAccessLineARequestAndNoTokenInAnyLog() async throws {
        let log = CapturedLog()
        var configuration = testConfiguration(database: folder.path("access.sqlite"))
        configuration.apiTokens = ["s3cret-token-value"]
        try await withTaskPilot(configuration, logger: log.logger()) { client in
            let auth: HTTPFields = [.authorization: "Bearer s3cret-token-value", .requestId: "access-1"]
            let created = try await client.send(.post, "/api/tasks", json: #"{"type":"demo","payload":"p"}"#, headers: auth)
            #expect(created.status == .created)
            let id = try #require(created.object[int: "id"])
            _ = try await client.send(.get, "/api/tasks/\(id)", headers: [.authorization: "Bearer s3cret-token-value", .requestId: "access-2"])
            _ = try await client.send(.get, "/api/tasks", headers: [.authorization: "Bearer wrong-guess-token", .requestId: "access-3"])
        }
        let access = log.all.filter { $0.level == .info && $0.metadata["route"] != nil }
        #expect(access.count == 3)
        let create = try #require(access.first { $0.metadata["request.id"] == "access-1" })
        #expect(create.message == "POST /api/tasks 201")
        #expect(create.metadata["status"] == "201")
        #expect(create.metadata["route"] == "/api/tasks")
        #expect(Int(create.metadata["bytes"] ?? "") ?? 0 > 0)
        #expect(Double(create.metadata["duration_ms"] ?? "") != nil)
        let read = try #require(access.first { $0.metadata["request.id"] == "access-2" })
        #expect(read.metadata["route"] == "/api/tasks/{id}")
        #expect(access.first { $0.metadata["request.id"] == "access-3" }?.metadata["status"] == "401")

        let startup = try #require(log.all.first { $0.message.hasPrefix("TaskPilot") && $0.message.hasSuffix("listening") })
        #expect(startup.metadata["auth"] == "on")
        #expect(startup.metadata["db"] == (TestDatabase.isPostgres ? configuration.databaseURL : configuration.databasePath))
        #expect(startup.metadata["address"]?.hasPrefix("127.0.0.1:") == true)
        for entry in log.all {
            #expect(!entry.text.contains("s3cret-token-value"))
            #expect(!entry.text.contains("wrong-guess-token"))
            #expect(!entry.text.lowercased().contains("bearer"))
        }
    }

    @Test func metricsNeedATokenUnlessPublicAndCanBeTurnedOff() async throws {
        var configuration = testConfiguration(database: folder.path("auth.sqlite"))
        configuration.apiTokens = ["t0ken"]
        try await withTaskPilot(configuration) { (client: any TestClientProtocol) async throws in
            #expect(try await client.send(.get, "/metrics").status == .unauthorized)
            #expect(try await client.send(.get, "/metrics", headers: [.authorization: "Bearer t0ken"]).status == .ok)
            #expect(try await client.send(.get, "/api/ready").status == .ok, "probes need no token")
        }
        configuration.metricsPublic = true
        try await withTaskPilot(configuration) { (client: any TestClientProtocol) async throws in
            #expect(try await client.send(.get, "/metrics").status == .ok)
            #expect(try await client.send(.get, "/api/tasks").status == .unauthorized)
        }
        configuration.metricsEnabled = false
        try await withTaskPilot(configuration) { (client: any TestClientProtocol) async throws in
            #expect(try await client.send(.get, "/metrics").status == .notFound)
        }
    }

    @Test func drainingTurnsReadinessAwayAndClosesEachConnectionAfterItsAnswer() async throws {
        let lifecycle = ServerLifecycle()
        try await withTaskPilot(testConfiguration(database: folder.path("drain.sqlite")), lifecycle: lifecycle) { client in
            let ready = try await client.send(.get, "/api/ready")
            #expect(ready.status == .ok)
            #expect(ready.object["shuttingDown"] as? Bool == false)
            #expect(ready.headers[.connection] != "close")

            lifecycle.beginDraining()
            let port = try #require(client.port)
            let answers = try await concurrently(1, port: port, .GET, "/api/ready")
            #expect(answers.first?.status == 503)
            let body = try #require(answers.first?.body)
            #expect(body.contains(#""status":"NOT_READY""#) && body.contains(#""shuttingDown":true"#) && body.contains("shutting down"))

            // Liveness and the API keep answering while draining, each on a connection that then closes.
            let socket = try RawSocket(port: port)
            socket.send("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            let raw = try #require(socket.readUntilClosed(timeout: .seconds(5)), "the connection closes after the answer")
            #expect(raw.hasPrefix("HTTP/1.1 200"))
            #expect(raw.lowercased().contains("\r\nconnection: close\r\n"))
        }
    }

    @Test func aShutdownDrainsThenFinishesTheRequestInFlight() async throws {
        let database = folder.path("shutdown.sqlite")
        try await withDrainingServer(database: database, drainMilliseconds: 400) { fake, group, lifecycle, port in
            fake.fault = .slow(.milliseconds(800))
            let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
            async let slow = http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/tasks/1/execution"), timeout: .seconds(10))
            try await Task.sleep(for: .milliseconds(100))
            let stopping = ContinuousClock.now
            await group.triggerGracefulShutdown()
            // Draining: still answering, not ready. The trigger only signals; the drain turns
            // readiness off when its task runs, which a loaded machine can delay past one request.
            #expect(try await eventually(timeout: .milliseconds(350)) {
                try await concurrently(1, port: port, .GET, "/api/ready").first?.status == 503
            })
            let answer = try await slow
            #expect(answer.status == .ok, "the request in flight finished")
            return {
                #expect(ContinuousClock.now - stopping >= .milliseconds(400), "the drain lasted")
                try await http.shutdown()
            }
        }
        // The process lock was released with the database: it opens again.
        if !TestDatabase.isPostgres {
            _ = try Connection(path: database)
        }
    }

    /// A request read while draining but answered after the drain's end closes its connection
    /// then: the listener stays open until that client has had the time to reconnect, so that its
    /// next request is answered rather than reset with the listener's accept queue.
    @Test func theListenerWaitsForAClientTheDrainMovedOffLate() async throws {
        try await withDrainingServer(database: folder.path("late-move.sqlite"), drainMilliseconds: 200) { fake, group, lifecycle, port in
            fake.fault = .slow(.milliseconds(700))
            await group.triggerGracefulShutdown()
            #expect(try await eventually(timeout: .milliseconds(150)) { lifecycle.isShuttingDown })
            // Read while draining; answered 500 ms after the drain's end.
            let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
            let slow = try? await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/tasks/1/execution"), timeout: .seconds(10))
            try await http.shutdown()
            #expect(slow?.status == .ok)
            #expect(slow?.headers.first(name: "connection") == "close")
            fake.fault = nil
            let next = try? await concurrently(1, port: port, .GET, "/api/tasks/1")
            #expect(next?.first?.status == 200, "the reconnected client's request is answered")
            return {}
        }
    }

    /// Web task 1, bound through a DTP test double, on a TaskPilot in a group with a
    /// `ShutdownDrain`. `body` shuts the group down; what it returns runs once the group has stopped.
    private func withDrainingServer(
        database: String,
        drainMilliseconds: Int,
        _ body: @escaping @Sendable (FakeScheduler, ServiceGroup, ServerLifecycle, Int) async throws -> @Sendable () async throws -> Void
    ) async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: database, schedulerURL: url)) { client in
                let id = try await client.createTask()
                #expect(try await client.send(.post, "/api/tasks/\(id)/scheduler").status == .ok)
            }
            let lifecycle = ServerLifecycle()
            let application = try await buildApplication(
                testConfiguration(database: database, schedulerURL: url, timeoutMilliseconds: 5000), logger: quietLogger, lifecycle: lifecycle
            )
            let group = ServiceGroup(configuration: .init(
                services: [application, ShutdownDrain(lifecycle: lifecycle, drainMilliseconds: drainMilliseconds, logger: quietLogger)],
                logger: quietLogger
            ))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(try await eventually { lifecycle.boundPort != nil })
                let port = try #require(lifecycle.boundPort)
                let afterStop = try await body(fake, group, lifecycle, port)
                try await tasks.waitForAll()
                try await afterStop()
            }
        }
    }
}

extension HTTPField.Name {
    static let requestId = Self("X-Request-Id")!
}

/// The fields of a `traceparent`, or nil when it is malformed.
struct RequestTraceFields {
    let traceId: String
    let parentId: String
    let flags: String

    init?(_ header: String) {
        let parts = header.split(separator: "-").map(String.init)
        let hex = { (text: String, count: Int) in text.count == count && text.allSatisfy { "0123456789abcdef".contains($0) } }
        guard parts.count == 4, parts[0] == "00", hex(parts[1], 32), hex(parts[2], 16), hex(parts[3], 2) else { return nil }
        (traceId, parentId, flags) = (parts[1], parts[2], parts[3])
    }
}

/// Prometheus text exposition, read just enough to look up one sample.
struct PrometheusText {
    let samples: [(name: String, labels: [String: String], value: Double)]

    init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let open = series.firstIndex(of: "{") else { return (String(series), [:], value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: "\",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            return (String(series[..<open]), labels, value)
        }
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }
}
