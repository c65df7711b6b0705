import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The transport for an `https://` DTP: AsyncHTTPClient, which brings TLS.
///
/// Not `HTTPClient.shared`: its 90 s timeouts and redirect following are wrong for a proxy
/// that must answer 504 after `scheduler.timeoutMs` and never be sent elsewhere.
final class AsyncHTTPClientTransport: SchedulerTransport {
    private let client: HTTPClient
    private let baseURL: String
    private let timeoutMilliseconds: Int
    private let maxResponseBytes: Int

    init(baseURL: String, timeoutMilliseconds: Int, maxConnections: Int, maxResponseBytes: Int) {
        self.baseURL = baseURL
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
        let timeout = TimeAmount.milliseconds(Int64(timeoutMilliseconds))
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: timeout, read: timeout)
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        // One connection per place in flight: an admitted call never waits in the client's own
        // pool, where the wait would count against its timeout.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        // By default a refused connection is retried until the connect timeout; a DTP that is
        // down must be reported at once.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func shutdown() async throws {
        try await client.shutdown()
    }

    func send(_ request: SchedulerRequest, timeout: TimeAmount) async throws(SchedulerError) -> SchedulerResponse {
        var outgoing = HTTPClientRequest(url: baseURL + request.path)
        outgoing.method = request.method
        outgoing.headers = request.headers
        if let body = request.body {
            outgoing.body = .bytes(body)
        }
        do {
            let response = try await client.execute(outgoing, timeout: timeout)
            let bytes = try await response.body.collect(upTo: maxResponseBytes)
            return SchedulerResponse(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: bytes)
        } catch {
            throw classify(error)
        }
    }

    /// Every transport failure becomes a `SchedulerError`; none may escape as a Hummingbird
    /// error, which would turn `HTTPParserError` into 400 and `NIOTooManyBytesError` into 413.
    private func classify(_ error: any Error) -> SchedulerError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout:
                return .timedOut(url: baseURL, milliseconds: timeoutMilliseconds)
            case .remoteConnectionClosed:
                return .unreachable(url: baseURL, cause: "the connection was closed before a complete answer")
            default:
                return .unreachable(url: baseURL, cause: "\(error)")
            }
        }
        if error is NIOTooManyBytesError {
            return .unreadable(url: baseURL, cause: "the answer is larger than \(maxResponseBytes) bytes")
        }
        return SchedulerError.transportFailure(error, url: baseURL, timeoutMilliseconds: timeoutMilliseconds)
    }
}
