import Foundation

/// Whether the process that wrote a `running` run is still alive, by process id and start time
/// (so a reused process id is not taken for the runner).
enum ProcessLiveness {
  /// The start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or
  /// `nil` where /proc is unavailable or the process is gone.
  static func startTime(of pid: Int32) -> Int64? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    // Fields after the command name (which may contain spaces) start at field 3.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 19 else { return nil }
    return Int64(fields[19])
  }

  /// Whether `pid` is alive and, when `startTime` is known, is the same process.
  static func isAlive(pid: Int32, startTime: Int64?) -> Bool {
    guard pid > 0 else { return false }
    if kill(pid, 0) != 0 && errno == ESRCH { return false }
    if let startTime, let current = Self.startTime(of: pid), current != startTime { return false }
    return true
  }
}
