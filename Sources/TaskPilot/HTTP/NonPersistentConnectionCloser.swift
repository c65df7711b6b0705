import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

extension HTTPServerBuilder {
    /// Hummingbird's HTTP/1 server, plus: an HTTP/1.0 request without `Connection: keep-alive`
    /// gets its answer and then the connection closed, as RFC 9112 § 9.3 asks. Hummingbird
    /// keeps a connection open unless the request says `Connection: close`, so an HTTP/1.0
    /// client that waits for the close would hang until the read timeout. While `lifecycle`
    /// drains, every request is treated so: its answer says `Connection: close` and the
    /// connection closes after it, so that a keep-alive client moves off without losing a request.
    static func http1ClosingNonPersistent(configuration: HTTP1Channel.Configuration, lifecycle: ServerLifecycle) -> HTTPServerBuilder {
        .init { responder in
            NonPersistentClosingHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: configuration), lifecycle: lifecycle)
        }
    }
}

/// `HTTP1Channel` with `NonPersistentConnectionCloser` right after the HTTP/1 decoder, the last
/// place where the request's HTTP version is still known.
struct NonPersistentClosingHTTP1Channel: HTTPChannelHandler {
    let base: HTTP1Channel
    let lifecycle: ServerLifecycle

    var responder: HTTPChannelHandler.Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        guard !lifecycle.refusesConnections else {
            return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(NonPersistentConnectionCloser(lifecycle: lifecycle), position: .after(decoder))
            // The closer counts the connection out when it closes.
            lifecycle.connectionOpened()
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Marks a non-persistent request, or any request while draining, with `Connection: close`,
/// which Hummingbird honours.
///
/// It also holds back the server's quiesce event after a drain. Hummingbird closes an idle
/// connection at once when it quiesces, and a client whose request is on its way then gets a
/// reset instead of an answer. Held, the event goes on with the connection's next request,
/// which is marked too, answered, and closes the connection (its client reconnects to a
/// listener that is closed by then, and is refused); or after `quiesceGrace` if none comes.
final class NonPersistentConnectionCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    let lifecycle: ServerLifecycle
    static let quiesceGrace = TimeAmount.milliseconds(500)
    private var heldQuiesce: Scheduled<Void>?
    /// Whether the drain marked this connection's request: its close tells the drain when
    /// the clients it moved off are reconnecting.
    private var closedByDrain = false

    init(lifecycle: ServerLifecycle) {
        self.lifecycle = lifecycle
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        if lifecycle.closesConnections, !closedByDrain {
            closedByDrain = true
            lifecycle.drainMarkedConnection()
        }
        if !head.isKeepAlive || closedByDrain || heldQuiesce != nil {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
        // With a request now in progress, Hummingbird closes the connection after its answer.
        releaseQuiesce(context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent, lifecycle.isShuttingDown, heldQuiesce == nil else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        heldQuiesce = context.eventLoop.scheduleTask(in: Self.quiesceGrace) {
            let (handler, context) = loopBound.value
            handler.releaseQuiesce(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        heldQuiesce?.cancel()
        heldQuiesce = nil
        if closedByDrain {
            lifecycle.drainClosedConnection()
        }
        lifecycle.connectionClosed()
        context.fireChannelInactive()
    }

    private func releaseQuiesce(_ context: ChannelHandlerContext) {
        guard let held = heldQuiesce else { return }
        held.cancel()
        heldQuiesce = nil
        context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
    }
}
