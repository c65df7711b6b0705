import Foundation
import Hummingbird
import HummingbirdTesting
import TaskPilot
import Testing

@Suite struct RestartTests {
    let folder = TemporaryFolder()

    @Test func tasksSurviveARestartUnchanged() async throws {
        let configuration = testConfiguration(database: folder.path("restart.sqlite"))
        let before = try await withTaskPilot(configuration) { client in
            var bodies: [String] = []
            for index in 0..<5 {
                let id = try await client.createTask(payload: "payload \(index)")
                if index == 2 {
                    _ = try await client.send(.put, "/api/tasks/\(id)/cancel")
                }
                bodies.append(try await client.send(.get, "/api/tasks/\(id)").text)
            }
            return bodies
        }
        let after = try await withTaskPilot(configuration) { client in
            var bodies: [String] = []
            for id in 1...5 {
                bodies.append(try await client.send(.get, "/api/tasks/\(id)").text)
            }
            #expect(try await client.createTask() == 6, "ids continue after a restart")
            return bodies
        }
        #expect(after == before)
    }
}
