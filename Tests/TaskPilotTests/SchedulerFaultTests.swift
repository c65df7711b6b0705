import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLiteDB
import TaskPilot
import Testing

/// Every way the DTP can misbehave gives the answer `docs/scheduler-contract.md` names, and TaskPilot
/// keeps serving afterwards.
@Suite struct SchedulerFaultTests {
    let folder = TemporaryFolder()

    /// The three calls that reach the DTP: query and cancel of a bound task, bind of an unbound one.
    static func callsReachingTheScheduler(bound: Int64, unbound: Int64) -> [(HTTPRequest.Method, String)] {
        [(.get, "/api/tasks/\(bound)/execution"), (.put, "/api/tasks/\(bound)/execution/cancel"), (.post, "/api/tasks/\(unbound)/scheduler")]
    }

    /// Runs TaskPilot against a fake scheduler, with web task 1 bound to DTP task 1.
    func withBoundTask(
        timeoutMilliseconds: Int = 2000,
        configure: @Sendable (inout TaskPilotConfiguration) -> Void = { _ in },
        _ body: @Sendable (FakeScheduler, any TestClientProtocol, String) async throws -> Void
    ) async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            var configuration = testConfiguration(database: folder.path("faults.sqlite"), schedulerURL: url, timeoutMilliseconds: timeoutMilliseconds)
            configure(&configuration)
            try await withTaskPilot(configuration) { client in
                let id = try await client.createTask()
                // With a short timeout a bind can time out on a loaded machine: retried, it binds
                // the DTP task the first try created or a later one.
                #expect(try await eventually { try await client.send(.post, "/api/tasks/\(id)/scheduler").status == .ok })
                try await body(fake, client, url)
                fake.fault = nil
                #expect(try await client.send(.get, "/api/health").status == .ok, "still serving")
                #expect(try await client.send(.get, "/api/tasks/1/execution").status == .ok, "and reaching the DTP again")
            }
        }
    }

    @Test func refusedConnectionIs502AtOnceNamingTheScheduler() async throws {
        let database = folder.path("refused.sqlite")
        try await withScheduler(FakeScheduler().application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: database, schedulerURL: url)) { client in
                _ = try await client.send(.post, "/api/tasks/\(try await client.createTask())/scheduler")
            }
        }
        let refusing = try await refusingSchedulerURL()
        try await withTaskPilot(testConfiguration(database: database, schedulerURL: refusing, timeoutMilliseconds: 5000)) { client in
            let unbound = try await client.createTask()
            for (method, uri) in Self.callsReachingTheScheduler(bound: 1, unbound: unbound) {
                let started = ContinuousClock.now
                let response = try await client.send(method, uri)
                #expect(ContinuousClock.now - started < .seconds(1), "no retrying until the connect timeout")
                #expect(response.status == .badGateway)
                #expect(response.source == nil)
                let message = try #require(response.object["message"] as? String)
                #expect(message.hasPrefix("Scheduler at \(refusing) is unreachable: "))
                #expect(message.lowercased().contains("refused"))
            }
            #expect(try await client.send(.get, "/api/tasks/\(unbound)").object["schedulerTaskId"] is NSNull)
            #expect(try await client.send(.get, "/api/health").status == .ok)
        }
    }

    @Test func silentSchedulerIs504AfterTheTimeout() async throws {
        try await withBoundTask(timeoutMilliseconds: 300) { fake, client, url in
            fake.fault = .hang
            let unbound = try await client.createTask()
            for (method, uri) in Self.callsReachingTheScheduler(bound: 1, unbound: unbound) {
                let started = ContinuousClock.now
                let response = try await client.send(method, uri)
                let elapsed = ContinuousClock.now - started
                #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(3))
                #expect(response.status == .gatewayTimeout)
                #expect(response.object["message"] as? String == "Scheduler at \(url) did not answer within 300 ms")
            }
        }
    }

    @Test func html500Is502NeverA500() async throws {
        try await withBoundTask { fake, client, url in
            fake.fault = .html500
            let unbound = try await client.createTask()
            for (method, uri) in Self.callsReachingTheScheduler(bound: 1, unbound: unbound) {
                let response = try await client.send(method, uri)
                #expect(response.status == .badGateway)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.object["message"] as? String == "Scheduler at \(url) failed: it answered 500")
            }
            #expect(try await client.send(.get, "/api/tasks/\(unbound)").object["schedulerTaskId"] is NSNull)
        }
    }

    @Test func truncatedCreateAnswerIs502AndStoresNothing() async throws {
        try await withBoundTask { fake, client, url in
            fake.fault = .truncatedCreate
            let id = try await client.createTask()
            let response = try await client.send(.post, "/api/tasks/\(id)/scheduler")
            #expect(response.status == .badGateway)
            let message = try #require(response.object["message"] as? String)
            #expect(message.hasPrefix("Scheduler at \(url) gave an unreadable answer"))
            #expect(try await client.send(.get, "/api/tasks/\(id)").object["schedulerTaskId"] is NSNull)
        }
    }

    @Test func oversizedAnswerIs502NotA413() async throws {
        try await withBoundTask { fake, client, url in
            fake.fault = .oversized
            let response = try await client.send(.get, "/api/tasks/1/execution")
            #expect(response.status == .badGateway)
            #expect(response.object["message"] as? String == "Scheduler at \(url) gave an unreadable answer: the answer is larger than 1048576 bytes")
        }
    }

    @Test func schedulerAnswerLimitIsConfigurable() async throws {
        try await withBoundTask(configure: { $0.schedulerMaxResponseBytes = 1024 }) { fake, client, url in
            // Binding task 1 fitted: a TaskResponse is about 400 bytes.
            fake.setPayload(1, String(repeating: "p", count: 2000))
            let response = try await client.send(.get, "/api/tasks/1/execution")
            #expect(response.status == .badGateway)
            #expect(response.object["message"] as? String == "Scheduler at \(url) gave an unreadable answer: the answer is larger than 1024 bytes")
            fake.setPayload(1, "p")
        }
    }

    @Test func callsPastTheInFlightBoundWaitTheirTurn() async throws {
        try await withBoundTask(timeoutMilliseconds: 3000, configure: {
            $0.schedulerMaxInFlight = 2
            $0.schedulerMaxQueued = 2
        }) { fake, client, _ in
            fake.fault = .hang
            async let admitted = concurrently(4, port: client.port, .GET, "/api/tasks/1/execution")
            #expect(try await eventually { fake.requests >= 3 }, "bind, then two queries reached the DTP")
            try await Task.sleep(for: .milliseconds(200))
            #expect(fake.requests == 3, "the other two wait in TaskPilot's queue")
            let fifth = try await client.send(.get, "/api/tasks/1/execution")
            #expect(fifth.status == .serviceUnavailable)
            #expect(fifth.headers[.retryAfter] == "1")
            #expect(fifth.object["message"] as? String == "TaskPilot is saturated: 2 scheduler calls are in flight and 2 are waiting; retry shortly")
            #expect(fake.requests == 3, "the refused call never reached the DTP")
            #expect(try await client.send(.get, "/api/tasks/1").status == .ok, "calls that need no DTP go on")
            fake.fault = nil
            #expect(try await admitted.map(\.status) == [200, 200, 200, 200], "the queued calls were served, not refused")
        }
    }

    @Test func aCallThatWaitsTooLongIs503NotA504() async throws {
        try await withBoundTask(timeoutMilliseconds: 3000, configure: {
            $0.schedulerMaxInFlight = 1
            $0.schedulerQueueTimeoutMilliseconds = 300
        }) { fake, client, _ in
            fake.fault = .hang
            async let hanging = concurrently(1, port: client.port, .GET, "/api/tasks/1/execution")
            #expect(try await eventually { fake.requests >= 2 })
            let waited = try await client.send(.get, "/api/tasks/1/execution")
            #expect(waited.status == .serviceUnavailable)
            #expect(waited.headers[.retryAfter] == "1")
            #expect(waited.object["message"] as? String == "TaskPilot is saturated: a scheduler call waited 300 ms for one of 1 places in flight; retry shortly")
            fake.fault = nil
            #expect(try await hanging.map(\.status) == [200])
        }
    }

    @Test func timeSpentQueuedDoesNotCountAgainstTheTimeout() async throws {
        // Each answer takes 400 ms and one call is in flight at a time: the fourth call is
        // answered 1.6 s after it was sent, past the 1 s timeout, yet the DTP never was slow.
        try await withBoundTask(timeoutMilliseconds: 1000, configure: { $0.schedulerMaxInFlight = 1 }) { fake, client, _ in
            fake.fault = .slow(.milliseconds(400))
            let answers = try await concurrently(4, port: client.port, .GET, "/api/tasks/1/execution")
            #expect(answers.map(\.status) == [200, 200, 200, 200])
        }
    }

    @Test func forgottenTaskPassesTheDTPs404Through() async throws {
        try await withBoundTask { fake, client, _ in
            fake.fault = .forget
            for (method, uri) in [(HTTPRequest.Method.get, "/api/tasks/1/execution"), (.put, "/api/tasks/1/execution/cancel")] {
                let response = try await client.send(method, uri)
                #expect(response.status == .notFound)
                #expect(response.source == "scheduler")
                #expect(response.text == #"{"message":"Task not found: 1"}"#)
            }
        }
    }

    @Test func finishedTaskCancelIsTheDTPs409() async throws {
        try await withBoundTask { fake, client, _ in
            fake.setStatus(1, "SUCCEEDED")
            let response = try await client.send(.put, "/api/tasks/1/execution/cancel")
            #expect(response.status == .conflict)
            #expect(response.source == "scheduler")
            #expect(response.text == #"{"message":"Cannot cancel task in state SUCCEEDED"}"#)
        }
    }

    @Test func concurrentBindsOfOneTaskCreateExactlyOneDTPTask() async throws {
        let fake = FakeScheduler(createDelay: .milliseconds(200))
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("concurrent.sqlite"), schedulerURL: url)) { client in
                let id = try await client.createTask()
                let answers = try await concurrently(32, port: client.port, .POST, "/api/tasks/\(id)/scheduler")
                #expect(fake.creates == 1)
                #expect(fake.maxConcurrentCreates == 1, "binds of one task reach the DTP one at a time")
                #expect(answers.count == 32)
                #expect(answers.allSatisfy { $0.status == 200 })
                #expect(Set(answers.map { $0.body.contains(#""schedulerTaskId":1,"#) }) == [true])
            }
        }
    }

    @Test func clientInputCannotChangeTheDTPPath() async throws {
        try await withBoundTask { fake, client, _ in
            let before = fake.requests
            for uri in ["/api/tasks/1%2F..%2F..%2Fadmin/execution", "/api/tasks/1%3Fx=1/execution", "/api/tasks/..%2F1/execution/cancel"] {
                let response = try await client.send(.get, uri)
                #expect(response.status.code >= 400 && response.status.code < 500)
            }
            let body = try await client.send(.post, "/api/tasks/\(try await client.createTask())/scheduler", json: #"{"schedulerTaskId":"1/cancel"}"#)
            #expect(body.status == .badRequest)
            #expect(fake.requests == before, "none of these reached the DTP")
        }
    }
}
