import Foundation

/// The outcome of running the `precond-bench` executable.
public struct CommandResult: Sendable {
  /// Exit status; a process ended by a signal gets 128 + the signal, as a shell reports it.
  public let exitCode: Int32
  /// Whether the process was killed because it outran the `timeout` it was given.
  public let timedOut: Bool
  /// Everything printed on stdout.
  public let stdout: String
  /// Everything printed on stderr.
  public let stderr: String
}

/// Runs built executables of this package end to end (swift-argument-parser's
/// `AssertExecuteCommand` habit): stdout, stderr and exit code are all part of the contract.
public enum CommandRunner {
  /// The build products directory (where the test bundle and the executables live).
  public static var productsDirectory: URL {
    let candidates = [CommandLine.arguments.first, Bundle.main.executablePath].compactMap { $0 }
    for path in candidates {
      var url = URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
      for _ in 0..<4 {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("precond-bench").path) { return url }
        url = url.deletingLastPathComponent()
      }
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/release")
  }

  /// Runs `precond-bench` (or another product) with `arguments`, optional extra environment and
  /// working directory, and waits for it.
  public static func run(
    _ arguments: [String], executable: String = "precond-bench", environment: [String: String] = [:],
    currentDirectory: URL? = nil, stdin: Data? = nil, timeout: TimeInterval? = nil
  ) throws -> CommandResult {
    let process = Process()
    process.executableURL = productsDirectory.appendingPathComponent(executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    if let stdin {
      let inPipe = Pipe()
      process.standardInput = inPipe
      inPipe.fileHandleForWriting.write(stdin)
      try? inPipe.fileHandleForWriting.close()
    }
    try process.run()
    // Past `timeout` the process is killed (SIGKILL) and the result says it timed out.
    let watchdog = Watchdog()
    if let timeout {
      let pid = process.processIdentifier
      DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
        if watchdog.fire() { kill(pid, SIGKILL) }
      }
    }
    // Drain both pipes concurrently so a chatty process never blocks on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = errPipe.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    let timedOut = !watchdog.fire()
    let signaled = process.terminationReason == .uncaughtSignal
    return CommandResult(
      exitCode: signaled ? 128 + process.terminationStatus : process.terminationStatus,
      timedOut: timedOut, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Decides once between "the process ended" and "the timeout fired".
  private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false

    /// True for the first caller only.
    func fire() -> Bool {
      lock.lock()
      defer { lock.unlock() }
      if fired { return false }
      fired = true
      return true
    }
  }

  /// A fresh temporary directory, removed by the caller when done.
  public static func temporaryDirectory(_ label: String = "precond-bench-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
