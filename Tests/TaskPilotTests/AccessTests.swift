import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TaskPilot
import Testing

/// Bearer tokens and CORS.
@Suite struct AccessTests {
    let folder = TemporaryFolder()

    func configuration(tokens: [String] = [], origins: [String] = []) -> TaskPilotConfiguration {
        var configuration = testConfiguration(database: folder.path("access.sqlite"))
        configuration.apiTokens = tokens
        configuration.corsOrigins = origins
        return configuration
    }

    @Test func tokensGuardEveryRouteButHealth() async throws {
        try await withTaskPilot(configuration(tokens: ["alpha-token", "beta-token"])) { client in
            #expect(try await client.send(.get, "/api/health").status == .ok)
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [.authorization: "Basic YWxwaGEtdG9rZW4="], [.authorization: "Bearer alpha-toke"], [.authorization: "Bearer alpha-token2"]] {
                for uri in ["/api/tasks", "/api/tasks/1", "/api/unknown"] {
                    let response = try await client.send(.get, uri, headers: headers)
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    #expect(response.object["status"] as? Int == 401)
                }
            }
            let created = try await client.send(.post, "/api/tasks", json: #"{"type":"demo"}"#, headers: [.authorization: "Bearer beta-token"])
            #expect(created.status == .created)
            let listed = try await client.send(.get, "/api/tasks", headers: [.authorization: "bearer alpha-token"])
            #expect(listed.status == .ok)
        }
    }

    @Test func noTokensMeansOpenOnLoopback() async throws {
        try await withTaskPilot(configuration()) { client in
            let response = try await client.send(.get, "/api/tasks")
            #expect(response.status == .ok)
        }
    }

    @Test func tokenFileAddsTokens() throws {
        let file = folder.path("tokens")
        try "# operators\n  one-token  \n\ntwo-token\n".write(toFile: file, atomically: true, encoding: .utf8)
        var configuration = configuration(tokens: ["env-token"])
        configuration.apiTokenFile = file
        let tokens = try configuration.validated().apiTokens
        #expect(tokens == ["env-token", "one-token", "two-token"])
        configuration.apiTokenFile = folder.path("missing")
        #expect(throws: ConfigurationError(key: "auth.tokenFile", reason: "cannot read \(folder.path("missing"))")) {
            try configuration.validated()
        }
    }

    @Test func exposedHostNeedsATokenOrExplicitConsent() throws {
        var configuration = configuration()
        configuration.host = "0.0.0.0"
        #expect(throws: ConfigurationError.self) { try configuration.requireTokensWhenExposed() }
        configuration.allowUnauthenticated = true
        try configuration.requireTokensWhenExposed()
        configuration.allowUnauthenticated = false
        configuration.apiTokens = ["t"]
        try configuration.requireTokensWhenExposed()
    }

    @Test func allowedOriginGetsCORSHeadersOthersNone() async throws {
        let allowed = "http://127.0.0.1:5173"
        try await withTaskPilot(configuration(tokens: ["t0k"], origins: [allowed])) { client in
            let preflight = try await client.send(.options, "/api/tasks", headers: [
                .origin: allowed, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization, content-type",
            ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == allowed)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Content-Type") == true)
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("PUT") == true)

            let answer = try await client.send(.get, "/api/tasks", headers: [.origin: allowed, .authorization: "Bearer t0k"])
            #expect(answer.status == .ok)
            #expect(answer.headers[.accessControlAllowOrigin] == allowed)
            #expect(answer.headers[.accessControlExposeHeaders]?.contains("TaskPilot-Source") == true)
            let unauthorized = try await client.send(.get, "/api/tasks", headers: [.origin: allowed])
            #expect(unauthorized.status == .unauthorized)
            #expect(unauthorized.headers[.accessControlAllowOrigin] == allowed, "so the frontend can read the 401")

            let notFound = try await client.send(.get, "/api/tasks/99", headers: [.origin: allowed, .authorization: "Bearer t0k"])
            #expect(notFound.status == .notFound)
            #expect(notFound.headers[.accessControlAllowOrigin] == allowed, "error answers are readable too")

            let other = try await client.send(.get, "/api/tasks", headers: [.origin: "http://evil.example", .authorization: "Bearer t0k"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            let otherPreflight = try await client.send(.options, "/api/tasks", headers: [.origin: "http://evil.example", .accessControlRequestMethod: "GET"])
            #expect(otherPreflight.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func badOriginIsAConfigurationError() throws {
        for origin in ["*", "app.example.com", "https://app.example.com/path"] {
            #expect(throws: ConfigurationError.self) { try configuration(origins: [origin]).validated() }
        }
    }
}
