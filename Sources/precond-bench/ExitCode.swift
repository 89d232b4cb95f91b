/// The exit codes of docs/harness.md ("Exit codes"); they exist only in the executable.
enum ExitCode: Int32 {
  case ok = 0
  case internalError = 1
  case regression = 2
  case benchmarkFailed = 3
  case improvementOnly = 4
  case baselineNotFound = 5
  case notComparable = 6
  case usage = 64
  case malformedInput = 65
  /// `run` stopped by SIGINT (Ctrl-C) after recording the run `interrupted` (128 + 2).
  case interrupted = 130
  /// `run` stopped by SIGTERM after recording the run `interrupted` (128 + 15).
  case terminated = 143
}

/// A failure that ends the command with `code` after printing `message` to stderr.
struct CommandFailure: Error {
  let code: ExitCode
  let message: String

  static func usage(_ message: String) -> CommandFailure { CommandFailure(code: .usage, message: message) }
  static func malformed(_ message: String) -> CommandFailure { CommandFailure(code: .malformedInput, message: message) }
}
