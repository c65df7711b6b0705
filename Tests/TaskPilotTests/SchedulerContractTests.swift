import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// One set of assertions, from `docs/scheduler-contract.md`, run against both the reference scheduler and
/// the test double, so that neither can drift from the document.
@Suite struct SchedulerContractTests {
    enum Implementation: String, CaseIterable, Sendable {
        case referenceScheduler
        case testDouble
    }

    static let taskResponseFields = [
        "id", "type", "payload", "status", "createdAt", "updatedAt", "scheduledFor", "processingStartedAt",
        "completedAt", "workerId", "attemptCount", "maxAttempts", "nextRunAt", "lastError", "retryState",
    ]

    @Test(arguments: Implementation.allCases)
    func answersAsTheContractSays(_ implementation: Implementation) async throws {
        switch implementation {
        case .referenceScheduler:
            try await withScheduler(fastReferenceScheduler()) { _, dtp in try await Self.check(dtp) }
        case .testDouble:
            try await withScheduler(FakeScheduler().application()) { _, dtp in try await Self.check(dtp) }
        }
    }

    static func check(_ dtp: any TestClientProtocol) async throws {
        // POST /tasks: 201 and a TaskResponse, fields in order, compact JSON.
        let created = try await dtp.send(.post, "/tasks", json: #"{"type":"demo-slow","payload":"{\"webTaskId\":5}"}"#)
        #expect(created.status == .created)
        #expect(created.headers[.contentType] == "application/json")
        #expect(created.keyOrder == taskResponseFields)
        #expect(!created.text.contains(": ") && !created.text.contains(", "), "compact JSON")
        let id = try #require(created.object[int: "id"])
        #expect(created.object["status"] as? String == "PENDING")
        #expect(created.object["retryState"] as? String == "READY_TO_PROCESS/NOT_QUEUED")
        #expect(created.object["payload"] as? String == #"{"webTaskId":5}"#)
        #expect(created.object["attemptCount"] as? Int == 0)
        #expect(created.object["nextRunAt"] is NSNull)
        let createdAt = try #require(created.object["createdAt"] as? String)
        #expect(createdAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil)

        // GET /tasks/{id}.
        let fetched = try await dtp.send(.get, "/tasks/\(id)")
        #expect(fetched.status == .ok)
        #expect(fetched.keyOrder == taskResponseFields)
        #expect(fetched.object[int: "id"] == id)

        // Bad create bodies: 400 in the framework's format.
        for body in [#"{"type":"","payload":"x"}"#, #"{"type":"demo"}"#, #"{"type":"demo","payload":"  "}"#, "not json"] {
            let response = try await dtp.send(.post, "/tasks", json: body)
            #expect(response.status == .badRequest)
            #expect(response.keyOrder == ["timestamp", "status", "error", "path"])
            #expect(response.object["error"] as? String == "Bad Request")
            #expect(response.object["path"] as? String == "/tasks")
        }

        // Unknown and malformed ids.
        let missing = try await dtp.send(.get, "/tasks/987654")
        #expect(missing.status == .notFound)
        #expect(missing.text == #"{"message":"Task not found: 987654"}"#)
        let malformed = try await dtp.send(.get, "/tasks/abc")
        #expect(malformed.status == .badRequest)
        #expect(malformed.object["status"] as? Int == 400)
        #expect(malformed.object["path"] as? String == "/tasks/abc")
        #expect(try await dtp.send(.put, "/tasks/987654/cancel").text == #"{"message":"Task not found: 987654"}"#)

        // Cancel: PENDING only; a second cancel is a 409 naming CANCELED.
        let canceled = try await dtp.send(.put, "/tasks/\(id)/cancel")
        #expect(canceled.status == .ok)
        #expect(canceled.keyOrder == taskResponseFields)
        #expect(canceled.object["status"] as? String == "CANCELED")
        #expect(canceled.object["retryState"] as? String == "CANCELED")
        let again = try await dtp.send(.put, "/tasks/\(id)/cancel")
        #expect(again.status == .conflict)
        #expect(again.headers[.contentType] == "application/json")
        #expect(again.text == #"{"message":"Cannot cancel task in state CANCELED"}"#)
    }
}
