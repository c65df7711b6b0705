import Foundation
import TaskPilot

/// Prints `line` to standard error and exits 1: start-up failures are one line for operators,
/// after any log lines still in the buffer.
func exitWithLine(_ line: String) -> Never {
    LogOutput.standardError.flush()
    FileHandle.standardError.write(Data((line + "\n").utf8))
    exit(1)
}
