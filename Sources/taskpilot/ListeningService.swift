import ServiceLifecycle
import TaskPilot

/// Runs a server and turns its failure to bind into a `ListenFailure` naming the address, so that
/// `serve` can tell which of its servers could not start.
struct ListeningService: Service {
    let server: any Service
    let host: String
    let port: Int

    func run() async throws {
        do {
            try await server.run()
        } catch {
            throw ListenFailure(error, host: host, port: port) ?? error
        }
    }
}
