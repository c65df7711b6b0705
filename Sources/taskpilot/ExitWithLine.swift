import Foundation

/// Prints `line` to standard error and exits 1: start-up failures are one line for operators.
func exitWithLine(_ line: String) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    exit(1)
}
