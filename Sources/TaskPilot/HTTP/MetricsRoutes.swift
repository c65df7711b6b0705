import Hummingbird

/// `GET /metrics`: every metric in Prometheus' text format.
struct MetricsRoutes<Context: RequestContext>: Sendable {
    let metrics: TaskPilotMetrics

    func add(to router: Router<Context>) {
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.scrape()))
            )
        }
    }
}
