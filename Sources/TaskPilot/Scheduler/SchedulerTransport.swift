import NIOCore
import NIOHTTP1

/// One call to the DTP as a transport sends it: the path is already joined to the base URL's.
struct SchedulerRequest: Sendable {
    let method: HTTPMethod
    var path: String
    var headers: HTTPHeaders
    let body: ByteBuffer?
}

/// The DTP's answer as a transport received it, before the gateway judges it.
struct SchedulerResponse: Sendable {
    let status: Int
    let contentType: String?
    let body: ByteBuffer
}

/// Sends one request to the DTP and reads its whole answer. Every failure is a
/// `SchedulerError` naming the scheduler; `timeout` covers connecting, sending and the answer.
protocol SchedulerTransport: Sendable {
    func send(_ request: SchedulerRequest, timeout: TimeAmount) async throws(SchedulerError) -> SchedulerResponse
    func shutdown() async throws
}
