#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import ServiceLifecycle

/// Hands heap memory freed by closed connections back to the kernel.
///
/// glibc's `free` keeps what it gets back for later `malloc`s and returns only the top of the
/// heap: after 512 connections came and went, about 20 MiB of free heap stayed resident (75 MiB
/// where `malloc_trim` brings it to 52). Once a second this looks at how many connections are
/// open; when at least `closedBurst` fewer than at its highest since the last trim, it trims, on
/// NIO's blocking pool. A steady load trims never; the end of a burst, once.
struct MemoryTrimmer: Service {
    let lifecycle: ServerLifecycle
    static let closedBurst = 64

    /// glibc's `malloc_trim`, which its Swift module does not bring in (`malloc.h`).
    #if canImport(Glibc)
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = dlsym(nil, "malloc_trim").map {
        unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self)
    }
    #endif

    func run() async throws {
        #if canImport(Glibc)
        guard let trim = Self.mallocTrim else { return }
        var highest = lifecycle.openConnections
        while (try? await Task.sleep(for: .seconds(1))) != nil, !Task.isShuttingDownGracefully {
            let open = lifecycle.openConnections
            if highest - open >= Self.closedBurst {
                _ = try? await NIOThreadPool.singleton.runIfActive { trim(0) }
                highest = open
            } else {
                highest = max(highest, open)
            }
        }
        #endif
    }
}
