import HTTPTypes
import HummingbirdTesting
import TaskPilot
import Testing

/// TaskPilot's own connections to the DTP: kept alive and reused, opened again when the DTP
/// closes them, and a GET sent again when a kept connection drops it (never a cancel or a
/// create, which the DTP may have carried out).
@Suite struct SchedulerConnectionTests {
    let folder = TemporaryFolder()

    /// TaskPilot against a scripted DTP, with web task 1 bound to DTP task 1 over one fresh connection.
    func withBoundTask(
        script: @escaping ScriptedDTP.Script,
        timeoutMilliseconds: Int = 2000,
        _ body: @Sendable (ScriptedDTP, any TestClientProtocol) async throws -> Void
    ) async throws {
        let dtp = try await ScriptedDTP(script: script)
        do {
            try await withTaskPilot(testConfiguration(database: folder.path("connections.sqlite"), schedulerURL: dtp.url, timeoutMilliseconds: timeoutMilliseconds)) { client in
                let id = try await client.createTask()
                #expect(try await client.send(.post, "/api/tasks/\(id)/scheduler").status == .ok)
                try await body(dtp, client)
            }
        } catch {
            try await dtp.stop()
            throw error
        }
        try await dtp.stop()
    }

    @Test func callsShareOneKeepAliveConnection() async throws {
        try await withBoundTask(script: { _, _ in .answer(close: false) }) { dtp, client in
            for _ in 0..<10 {
                let response = try await client.send(.get, "/api/tasks/1/execution")
                #expect(response.status == .ok)
            }
            #expect(dtp.requests == 11)
            #expect(dtp.connections == 1, "one after the other, every call went on the bind's connection")
        }
    }

    @Test func aDTPThatClosesEveryConnectionIsStillServed() async throws {
        try await withBoundTask(script: { _, _ in .answer(close: true) }) { dtp, client in
            for _ in 0..<5 {
                let response = try await client.send(.get, "/api/tasks/1/execution")
                #expect(response.status == .ok)
                #expect(response.text == ScriptedDTP.task)
            }
            #expect(dtp.connections == 6)
        }
    }

    @Test func aGetDroppedOnAKeptConnectionIsSentAgainOnce() async throws {
        try await withBoundTask(script: { _, request in request == 2 ? .drop : .answer(close: false) }) { dtp, client in
            let response = try await client.send(.get, "/api/tasks/1/execution")
            #expect(response.status == .ok)
            #expect(response.text == ScriptedDTP.task)
            #expect(dtp.requests == 3, "the bind, the dropped query and the query sent again")
            #expect(dtp.connections == 2)
        }
    }

    @Test func aGetResetOnAKeptConnectionIsSentAgainOnce() async throws {
        try await withBoundTask(script: { _, request in request == 2 ? .reset : .answer(close: false) }) { dtp, client in
            let response = try await client.send(.get, "/api/tasks/1/execution")
            #expect(response.status == .ok)
            #expect(dtp.requests == 3)
        }
    }

    @Test func anAnswerWithoutALengthIsReadToTheClose() async throws {
        try await withBoundTask(script: { _, _ in .answerUntilClose }) { dtp, client in
            let response = try await client.send(.get, "/api/tasks/1/execution")
            #expect(response.status == .ok)
            #expect(response.text == ScriptedDTP.task, "byte for byte")
            #expect(dtp.connections == 2)
        }
    }

    @Test func theBaseURLsPathGoesBeforeEveryCall() async throws {
        let dtp = try await ScriptedDTP(script: { _, _ in .answer(close: false) })
        try await withTaskPilot(testConfiguration(database: folder.path("prefix.sqlite"), schedulerURL: dtp.url + "/dtp/v1")) { client in
            let id = try await client.createTask()
            #expect(try await client.send(.post, "/api/tasks/\(id)/scheduler").status == .ok)
            #expect(try await client.send(.get, "/api/tasks/\(id)/execution").status == .ok)
        }
        #expect(dtp.paths == ["/dtp/v1/tasks", "/dtp/v1/tasks/1"])
        try await dtp.stop()
    }

    @Test func aCancelDroppedOnAKeptConnectionIsNotSentAgain() async throws {
        try await withBoundTask(script: { _, request in request == 2 ? .drop : .answer(close: false) }) { dtp, client in
            let response = try await client.send(.put, "/api/tasks/1/execution/cancel")
            #expect(response.status == .badGateway)
            #expect(response.object["message"] as? String == "Scheduler at \(dtp.url) is unreachable: the connection was closed before a complete answer")
            #expect(dtp.requests == 2, "the DTP may have cancelled: TaskPilot does not cancel twice")
        }
    }

    /// A connection's one timer is set by the first call on it; a later call that hangs must
    /// still get its own whole timeout, neither less (the earlier call's deadline) nor never.
    @Test func aCallThatHangsOnAKeptConnectionTimesOutAtItsOwnDeadline() async throws {
        try await withBoundTask(script: { _, request in request == 4 ? .hang : .answer(close: false) }, timeoutMilliseconds: 400) { dtp, client in
            for _ in 0..<2 {
                #expect(try await client.send(.get, "/api/tasks/1/execution").status == .ok)
            }
            try await Task.sleep(for: .milliseconds(150))
            let started = ContinuousClock.now
            let response = try await client.send(.get, "/api/tasks/1/execution")
            let waited = ContinuousClock.now - started
            #expect(response.status == .gatewayTimeout)
            #expect(waited >= .milliseconds(390), "the whole 400 ms, not what was left of the bind's")
            #expect(waited < .milliseconds(1500))
            #expect(dtp.connections == 1)
        }
    }
}
