import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A DTP on bare SwiftNIO whose connections a test scripts: it counts the connections
/// TaskPilot opens and can drop one under a request, which no Hummingbird application does.
/// Every create answers task 1; every other call answers task 1 as the DTP shapes it.
final class ScriptedDTP: Sendable {
    enum Action: Sendable {
        /// Answer; with `close`, say `Connection: close` and close afterwards.
        case answer(close: Bool)
        /// Close the connection without a byte of answer.
        case drop
    }

    /// What to do with the `requestOnConnection`-th request (from 1) on its connection.
    typealias Script = @Sendable (_ method: HTTPMethod, _ requestOnConnection: Int) -> Action

    static let task = #"{"id":1,"type":"demo","payload":"p","status":"SUCCEEDED","createdAt":"2026-01-27T19:30:24.639878Z","updatedAt":"2026-01-27T19:30:24.724168Z","scheduledFor":"2026-01-27T19:30:24.639878Z","processingStartedAt":"2026-01-27T19:30:24.664782Z","completedAt":"2026-01-27T19:30:24.724168Z","workerId":"w","attemptCount":1,"maxAttempts":3,"nextRunAt":null,"lastError":null,"retryState":"COMPLETED"}"#

    private let channel: any Channel
    private let counts: NIOLockedValueBox<(connections: Int, requests: Int)>
    let url: String

    var connections: Int { counts.withLockedValue { $0.connections } }
    var requests: Int { counts.withLockedValue { $0.requests } }

    init(script: @escaping Script) async throws {
        let counts = NIOLockedValueBox((connections: 0, requests: 0))
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counts.withLockedValue { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ScriptedDTPHandler(script: script, counts: counts))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        self.counts = counts
        url = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
    }

    func stop() async throws {
        try await channel.close()
    }
}

private final class ScriptedDTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let script: ScriptedDTP.Script
    let counts: NIOLockedValueBox<(connections: Int, requests: Int)>
    private var method = HTTPMethod.GET
    private var requestsHere = 0

    init(script: @escaping ScriptedDTP.Script, counts: NIOLockedValueBox<(connections: Int, requests: Int)>) {
        self.script = script
        self.counts = counts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            method = head.method
        case .body:
            break
        case .end:
            requestsHere += 1
            counts.withLockedValue { $0.requests += 1 }
            switch script(method, requestsHere) {
            case .drop:
                context.close(promise: nil)
            case .answer(let close):
                let body = ByteBuffer(string: ScriptedDTP.task)
                var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.readableBytes))])
                if close {
                    headers.add(name: "Connection", value: "close")
                }
                let status: HTTPResponseStatus = method == .POST ? .created : .ok
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                    if close { channel.close(promise: nil) }
                }
            }
        }
    }
}
